// The editor with the default model on the wasm backend: it loads cleanly, shows a portrait,
// turns the head when the canvas is dragged, and names its backend in the status bar.
import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor';
import type { FacetInfo, Pixels } from './support/facetApi';
import { newSharedPage } from './support/browser';
import { readIndex } from './support/models';
import { meanAbsDiff, rgbStats } from './support/pixels';

/** A portrait, not a blank or flat fill: RGB standard deviation (0..255) and distinct colours. */
const MIN_STD = 5;
const MIN_COLORS = 64;
/** A turned head: mean absolute RGB difference (0..255) between the images before and after. */
const MIN_DRAG_DIFF = 1.5;

test.describe.configure({ mode: 'serial' });

let page: Page;
let editor: EditorPage;
let portrait: Pixels;
let loaded: FacetInfo;

test.beforeAll(async ({ browser }, testInfo) => {
  page = await newSharedPage(browser, testInfo);
  editor = await EditorPage.open(page, { backend: 'wasm' });
});

test.afterAll(async () => {
  await page?.close();
});

test('the default model becomes ready on wasm with no console errors', async ({}, testInfo) => {
  await editor.screenshot(testInfo, 'opened');
  await editor.whenReady();
  loaded = await editor.info();
  await editor.screenshot(testInfo, 'ready');
  expect(loaded.status).toBe('ready');
  expect(loaded.error).toBeNull();
  expect(loaded.modelId).toBe(readIndex().default);
  expect(loaded.backend).toBe('wasm');
  editor.expectNoErrors();
});

test('a portrait appears in the image and on the canvas', async ({}, testInfo) => {
  portrait = await editor.imagePixels();
  expect(portrait.rgba.length).toBe(portrait.width * portrait.height * 4);
  const image = rgbStats(portrait.rgba);
  testInfo.annotations.push({ type: 'image', description: JSON.stringify(image) });
  expect(image.std, 'imagePixels(): RGB standard deviation').toBeGreaterThan(MIN_STD);
  expect(image.distinctColors, 'imagePixels(): distinct colours').toBeGreaterThan(MIN_COLORS);

  const canvas = rgbStats((await editor.canvasPixels(testInfo, 'canvas')).rgba);
  testInfo.annotations.push({ type: 'canvas', description: JSON.stringify(canvas) });
  expect(canvas.std, 'canvas screenshot: RGB standard deviation').toBeGreaterThan(MIN_STD);
  expect(canvas.distinctColors, 'canvas screenshot: distinct colours').toBeGreaterThan(MIN_COLORS);
});

test('dragging on the canvas turns the head', async ({}, testInfo) => {
  const before = (await editor.info()).pose;
  await editor.dragCanvas(160, -50);
  await expect
    .poll(async () => {
      const { yaw, pitch } = (await editor.info()).pose;
      return Math.max(Math.abs(yaw - before.yaw), Math.abs(pitch - before.pitch));
    }, { message: 'info().pose after the drag' })
    .toBeGreaterThan(1e-3);
  await editor.screenshot(testInfo, 'dragged');

  let diff = 0;
  await expect
    .poll(async () => {
      const after = await editor.imagePixels();
      diff = after.width === portrait.width && after.height === portrait.height ? meanAbsDiff(portrait.rgba, after.rgba) : Infinity;
      return diff;
    }, { message: 'mean |image after drag - image before|', timeout: 120_000 })
    .toBeGreaterThan(MIN_DRAG_DIFF);
  const after = await editor.info();
  testInfo.annotations.push({ type: 'drag', description: JSON.stringify({ before, after: after.pose, meanAbsDiff: diff }) });
  expect(after.framesRendered).toBeGreaterThan(loaded.framesRendered);
  await editor.screenshot(testInfo, 'rendered-after-drag');
});

test('the status bar names the backend', async ({}, testInfo) => {
  await expect(editor.statusBar).toBeVisible();
  await expect(editor.statusBar).toContainText(/wasm/i);
  await editor.screenshot(testInfo, 'status-bar');
});

test('no console errors or page errors during the session', async ({}, testInfo) => {
  await editor.screenshot(testInfo, 'end');
  editor.expectNoErrors();
});
