// Paint to reshape through the real interface (wasm, the real facet-default model, system
// Chromium): Paint mode, the region palette and the brush size (the cursor circle shows it), a
// hair-growing stroke painted with the mouse below the hair's lower edge, Apply, then: more hair,
// hair in the painted band, the rest of the image unchanged outside the hair masks, undo back to
// the same image; a mouth-widening stroke at both corners (the mouth gets wider, the other
// regions stay); Cancel stops an apply and changes nothing; stroke undo; a camera move clears
// the paint; a model without the reshape graph disables the brush with the reason.
// One page across the steps (each final render is slow on 2 cores); a screenshot per step.
import { writeFileSync } from 'node:fs';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { EditorPage } from './pages/editor';
import { newSharedPage } from './support/browser';
import type { FacetWindow, Labels, PaintInfo, Pixels } from './support/facetApi';
import { compareWhere, count, dilate, not, regionMask, union } from './support/masks';
import { manifestUrlPath, readManifest } from './support/models';

/**
 * Portrait A's seed: hair that already covers the ears (the world's longer hair covers them, so on
 * a portrait with visible ears a hair-only painting cannot be matched without hiding the ears) and
 * a mouth the model can widen. Found by a scan of seeds 20-30 with the Python reshape
 * (export/facet/reshape/apply.py), hair_longer and mouth_wider: seed 20 changed both. With session
 * 17's weights this spec's own hair stroke (FACET_RESHAPE_SEED=20..23) finds no better hair on 20
 * and 22 (the weights before: on 22 only); 21 is the first that changes both (docs/reshape.md).
 */
const SEED = Number(process.env.FACET_RESHAPE_SEED ?? 21);
/** "Unchanged" pixel: every RGB channel within this many levels (0..255) of before. */
const SAME_TOL = 2;
const DILATE_PX = 3;
/** Outside the union of the hair masks before and after (dilated), at least this fraction unchanged. */
const MIN_UNCHANGED_OUTSIDE_HAIR = 0.98;
/** Every other region's mask against before the mouth edit. */
const MIN_OTHERS_IOU = 0.95;
const APPLY_TIMEOUT_MS = 180_000;

test.describe.configure({ mode: 'serial' });

let page: Page;
let editor: EditorPage;
let regions: string[];
const idx = (name: string) => regions.indexOf(name);
const record: Record<string, unknown> = { seed: SEED };

interface Snapshot {
  image: Pixels;
  labels: Labels;
}

test.beforeAll(async ({ browser }, testInfo) => {
  page = await newSharedPage(browser, testInfo);
  editor = await EditorPage.open(page, { backend: 'wasm', seed: SEED });
});

test.afterAll(async ({}, testInfo) => {
  testInfo.annotations.push({ type: 'reshape', description: JSON.stringify(record) });
  console.log(`[reshape.spec] ${JSON.stringify(record)}`);
  await page?.close();
});

const paintInfo = (): Promise<PaintInfo> => page.evaluate(() => (window as unknown as FacetWindow).facet.paintInfo());
const paintLayer = (): Promise<Labels | null> => page.evaluate(() => (window as unknown as FacetWindow).facet.paintLayer('A'));

async function snapshot(): Promise<Snapshot> {
  await editor.settledRenders();
  return { image: await editor.imagePixels('A'), labels: await editor.labels('A') };
}

function keep(testInfo: TestInfo, name: string, data: Record<string, unknown>): void {
  writeFileSync(testInfo.outputPath(`${name}.json`), JSON.stringify(data));
}

/** Label-map pixel (x, y) -> page coordinates on the paint overlay (the viewport's centred square, zoom 1). */
async function toPage(x: number, y: number, size: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('paint-overlay').boundingBox())!;
  const side = Math.min(box.width, box.height);
  return { x: box.x + (box.width - side) / 2 + (x / size) * side, y: box.y + (box.height - side) / 2 + (y / size) * side };
}

/** A mouse stroke through label-map points (pixel centres), with intermediate mouse moves. */
async function stroke(points: [number, number][], size: number, steps = 4): Promise<void> {
  const first = await toPage(points[0][0] + 0.5, points[0][1] + 0.5, size);
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  for (const [x, y] of points.slice(1)) {
    const p = await toPage(x + 0.5, y + 0.5, size);
    await page.mouse.move(p.x, p.y, { steps });
  }
  await page.mouse.up();
}

async function pickRegion(label: string): Promise<void> {
  await page.getByRole('radio', { name: `Paint ${label}` }).click();
  await expect.poll(async () => (await paintInfo()).region).toBe(label === 'Hair' ? 'hair' : label === 'Mouth' ? 'mouth' : label);
}

async function setBrushSize(px: number): Promise<void> {
  await page.getByRole('slider', { name: 'Brush size' }).fill(String(px));
  await expect.poll(async () => (await paintInfo()).size).toBe(px);
}

/** Clicks Apply and waits for its outcome; returns the outcome in words and the apply's wall time. */
async function apply(): Promise<{ result: string; ms: number }> {
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect.poll(async () => (await paintInfo()).applying !== null || (await paintInfo()).result !== null).toBe(true);
  await expect.poll(async () => (await paintInfo()).applying, { timeout: APPLY_TIMEOUT_MS }).toBeNull();
  const ms = Date.now() - t0;
  return { result: (await paintInfo()).result ?? '', ms };
}

async function waitPaintReady(): Promise<void> {
  await expect.poll(async () => (await paintInfo()).ready, { timeout: APPLY_TIMEOUT_MS }).toBe(true);
}

/** Rows [y0, y1] and columns [x0, x1] of a region's pixels (null when it has none). */
function extent(labels: Labels, region: number) {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  labels.labels.forEach((l, i) => {
    if (l !== region) return;
    const x = i % labels.width;
    const y = Math.floor(i / labels.width);
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  });
  return x1 < 0 ? null : { x0, x1, y0, y1 };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let uni = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) uni++;
  }
  return uni === 0 ? 1 : inter / uni;
}

let start: Snapshot;

test('paint mode: the palette, the brush size and its cursor; a stroke paints instead of turning the head; strokes undo', async ({}, testInfo) => {
  await editor.whenReady();
  regions = await page.evaluate(() => [...document.querySelectorAll('[data-region]')].map((e) => e.getAttribute('data-region')!));
  start = await snapshot();
  const pose0 = (await editor.info()).pose;
  await page.getByRole('button', { name: 'Paint', exact: true }).click();
  await waitPaintReady();
  expect(await page.getByRole('radio', { name: 'Semantic' }).getAttribute('aria-checked')).toBe('true');
  await pickRegion('Hair');

  // The cursor circle follows the mouse and is as large as the brush (label-map px -> CSS px).
  const overlay = (await page.getByTestId('paint-overlay').boundingBox())!;
  const side = Math.min(overlay.width, overlay.height);
  const center = { x: overlay.x + overlay.width / 2, y: overlay.y + overlay.height / 2 };
  const sizes: Record<string, number> = {};
  for (const px of [12, 40]) {
    await setBrushSize(px);
    await page.mouse.move(center.x - 40, center.y - 30);
    await page.mouse.move(center.x, center.y, { steps: 3 });
    const circle = (await page.getByTestId('brush-cursor').boundingBox())!;
    sizes[px] = circle.width;
    expect(Math.abs(circle.width - (px * side) / start.labels.width), `cursor width for a ${px} px brush`).toBeLessThan(3);
    expect(Math.abs(circle.x + circle.width / 2 - center.x)).toBeLessThan(2);
  }
  record.cursorCssPx = sizes;
  // The circle is on screen: the canvas with the cursor differs from the canvas without it, near the cursor only.
  const withCursor = await editor.canvasPixels(testInfo, 'reshape-cursor-40px');
  await editor.screenshot(testInfo, 'reshape-paint-mode-cursor');
  // Off the canvas (above it): the circle goes away.
  await page.mouse.move(overlay.x + overlay.width / 2, Math.max(0, overlay.y - 20), { steps: 3 });
  await expect(page.getByTestId('brush-cursor')).toBeHidden();
  await page.waitForTimeout(100);
  const without = await editor.canvasPixels(testInfo, 'reshape-cursor-away');
  let near = 0;
  let far = 0;
  const r = sizes[40] / 2 + 4;
  for (let p = 0; p < without.rgba.length / 4; p++) {
    const x = p % without.width;
    const y = Math.floor(p / without.width);
    const d = Math.hypot(x - without.width / 2, y - without.height / 2);
    const diff = Math.abs(withCursor.rgba[p * 4] - without.rgba[p * 4]) + Math.abs(withCursor.rgba[p * 4 + 1] - without.rgba[p * 4 + 1]);
    if (diff > 30) (d <= r ? near++ : far++);
  }
  record.cursorPixels = { near, far };
  expect(near, 'pixels changed by the cursor circle near the mouse').toBeGreaterThan(50);
  expect(far, 'pixels changed far from the mouse').toBeLessThan(20);

  // Two strokes; the camera does not move; Ctrl+Z / Ctrl+Shift+Z act on strokes.
  await setBrushSize(8);
  const w = start.labels.width;
  await stroke([[w * 0.3, w * 0.1], [w * 0.7, w * 0.1]], w, 10);
  const one = await paintInfo();
  expect(one.undoSteps).toBe(1);
  expect(one.pending).toBeGreaterThan(0);
  await stroke([[w * 0.3, w * 0.05], [w * 0.7, w * 0.05]], w, 10);
  expect((await paintInfo()).undoSteps).toBe(2);
  expect((await editor.info()).pose).toEqual(pose0);
  const layer = (await paintLayer())!;
  expect(layer.labels.filter((l) => l === idx('hair')).length).toBeGreaterThan(count(regionMask(start.labels.labels, idx('hair'))));
  await editor.screenshot(testInfo, 'reshape-two-strokes');
  await page.keyboard.press('Control+z');
  expect(await paintInfo()).toMatchObject({ undoSteps: 1, redoSteps: 1 });
  expect((await editor.info()).history).toEqual([]); // the editor's history is untouched
  await page.keyboard.press('Control+Shift+z');
  expect(await paintInfo()).toMatchObject({ undoSteps: 2, redoSteps: 0 });
  await page.getByRole('button', { name: 'Clear' }).click();
  expect((await paintInfo()).pending).toBe(0);

  // A camera move clears pending paint (paint belongs to the view it was made in), and says so.
  await stroke([[w * 0.3, w * 0.1], [w * 0.7, w * 0.1]], w);
  expect((await paintInfo()).pending).toBeGreaterThan(0);
  await editor.setPose(0.1, 0);
  expect((await paintInfo()).pending).toBe(0);
  await expect(page.getByTestId('status-notice')).toContainText('camera moved');
  await editor.setPose(pose0.yaw, pose0.pitch);
  await waitPaintReady();
  expect((await editor.imagePixels()).rgba).toEqual(start.image.rgba);
  editor.expectNoErrors();
});

/** The hair's lower edge on each side of the face: a band below it over background / cloth, as stroke points. */
function hairBand(labels: Labels, offset: number): { left: [number, number][]; right: [number, number][] } {
  const { width } = labels;
  const hair = idx('hair');
  const face = extent(labels, idx('face'))!;
  const free = new Set([idx('background'), idx('neck_cloth')]);
  const side = (xs: number[]) => {
    const pts: [number, number][] = [];
    for (const x of xs) {
      let bottom = -1;
      for (let y = 0; y < labels.height; y++) if (labels.labels[y * width + x] === hair) bottom = y;
      if (bottom < 0) continue;
      const y = bottom + offset;
      if (y < labels.height && free.has(labels.labels[y * width + x])) pts.push([x, y]);
    }
    return pts;
  };
  const cols = (a: number, b: number) => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
  const hairBox = extent(labels, hair)!;
  return { left: side(cols(hairBox.x0 + 2, face.x0 + 2)), right: side(cols(face.x1 - 2, hairBox.x1 - 2)) };
}

let afterHair: Snapshot;

test('a hair-growing stroke below the hair, Apply: more hair, hair in the band, the rest unchanged; undo restores the image', async ({}, testInfo) => {
  const w = start.labels.width;
  const brush = 10;
  const band = hairBand(start.labels, Math.ceil(brush / 2));
  record.band = { left: band.left.length, right: band.right.length };
  expect(band.left.length + band.right.length, 'columns with background or cloth below the hair').toBeGreaterThan(6);
  await pickRegion('Hair');
  await setBrushSize(brush);
  for (const pts of [band.left, band.right]) if (pts.length > 1) await stroke(pts.filter((_, i) => i % 3 === 0 || i === pts.length - 1), w, 3);
  const target = (await paintLayer())!;
  const painted = Uint8Array.from(target.labels, (l, i) => (l === idx('hair') && start.labels.labels[i] !== idx('hair') ? 1 : 0));
  record.hairPainted = count(painted);
  expect(count(painted)).toBeGreaterThan(50);
  await editor.screenshot(testInfo, 'reshape-hair-painted');

  const { result, ms } = await apply();
  record.hairApply = { result, wallMs: ms };
  await waitPaintReady();
  afterHair = await snapshot();
  await editor.screenshot(testInfo, 'reshape-hair-applied');
  await page.getByRole('radio', { name: 'Mask over color' }).click();
  await page.waitForTimeout(300);
  await editor.canvasPixels(testInfo, 'reshape-hair-applied-overlay');
  await page.getByRole('radio', { name: 'Mask', exact: true }).click();
  keep(testInfo, 'hair-reshape', { before: start, after: afterHair, target });

  const hair = idx('hair');
  const hairBefore = count(regionMask(start.labels.labels, hair));
  const hairAfter = count(regionMask(afterHair.labels.labels, hair));
  const bandHair = painted.reduce((n, v, i) => n + (v && afterHair.labels.labels[i] === hair ? 1 : 0), 0);
  const masks = dilate(union(regionMask(start.labels.labels, hair), regionMask(afterHair.labels.labels, hair)), w, w, DILATE_PX);
  const outside = compareWhere(start.image.rgba, afterHair.image.rgba, not(masks), SAME_TOL);
  const history = (await editor.info()).history;
  Object.assign(record, { hairBefore, hairAfter, bandHair, bandHairFraction: bandHair / count(painted), outsideHairUnchanged: outside.unchanged, hairHistory: history });
  testInfo.annotations.push({ type: 'hair reshape', description: JSON.stringify({ result, ms, hairBefore, hairAfter, bandHair, painted: count(painted), outside }) });
  console.log(`[reshape.spec] hair: ${result} (${ms} ms wall) hair px ${hairBefore} -> ${hairAfter}, band ${bandHair}/${count(painted)} hair, outside unchanged ${outside.unchanged}`);
  expect(result, 'the outcome in words').toMatch(/^Hair reshaped in \d+\.\d s\./);
  expect(history, 'one undo step for the whole apply').toEqual(['A: reshape hair']);
  expect((await paintInfo()).pending, 'the pending paint clears after a change').toBe(0);
  expect(hairAfter, 'hair pixels').toBeGreaterThan(hairBefore);
  expect(bandHair, 'hair pixels in the painted band').toBeGreaterThan(0);
  expect(outside.unchanged, 'fraction unchanged outside the dilated hair masks').toBeGreaterThanOrEqual(MIN_UNCHANGED_OUTSIDE_HAIR);

  // Ctrl+Z with nothing painted undoes the reshape: the first image again, bit for bit.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await editor.info()).history).toEqual([]);
  const undone = await snapshot();
  expect(undone.image.rgba).toEqual(start.image.rgba);
  await waitPaintReady();
});

test('a mouth-widening stroke at both corners, Apply: the mouth is wider, the other regions stay', async ({}, testInfo) => {
  const mouth = idx('mouth');
  const m = extent(start.labels, mouth)!;
  const w = start.labels.width;
  // The corners: the outermost mouth pixels' rows.
  const rowsAt = (x: number) => start.labels.labels.map((l, i) => (l === mouth && i % w === x ? Math.floor(i / w) : -1)).filter((y) => y >= 0);
  const mid = (ys: number[]) => ys[Math.floor(ys.length / 2)];
  const yl = mid(rowsAt(m.x0));
  const yr = mid(rowsAt(m.x1));
  const reach = Math.max(3, Math.round((m.x1 - m.x0) * 0.2));
  await pickRegion('Mouth');
  await setBrushSize(Math.max(3, Math.min(6, m.y1 - m.y0)));
  await stroke([[m.x0 + 1, yl], [m.x0 - reach, yl]], w);
  await stroke([[m.x1 - 1, yr], [m.x1 + reach, yr]], w);
  const target = (await paintLayer())!;
  await editor.screenshot(testInfo, 'reshape-mouth-painted');
  const { result, ms } = await apply();
  await waitPaintReady();
  const after = await snapshot();
  await editor.screenshot(testInfo, 'reshape-mouth-applied');
  keep(testInfo, 'mouth-reshape', { before: start, after, target });
  const ma = extent(after.labels, mouth)!;
  const others: Record<string, number> = {};
  for (const name of regions) {
    if (name === 'mouth') continue;
    others[name] = iou(regionMask(start.labels.labels, idx(name)), regionMask(after.labels.labels, idx(name)));
  }
  const widths = { before: m.x1 - m.x0 + 1, after: ma.x1 - ma.x0 + 1, target: extent(target, mouth)!.x1 - extent(target, mouth)!.x0 + 1 };
  Object.assign(record, { mouthApply: { result, wallMs: ms }, mouthWidths: widths, othersIou: others });
  testInfo.annotations.push({ type: 'mouth reshape', description: JSON.stringify({ result, ms, widths, others }) });
  console.log(`[reshape.spec] mouth: ${result} (${ms} ms wall) width ${JSON.stringify(widths)} others IoU ${JSON.stringify(others)}`);
  expect(result).toMatch(/^Mouth reshaped in \d+\.\d s\./);
  expect(widths.after, 'mouth width (columns)').toBeGreaterThan(widths.before);
  for (const [name, v] of Object.entries(others)) expect(v, `IoU of ${name} against before`).toBeGreaterThanOrEqual(MIN_OTHERS_IOU);
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await editor.info()).history).toEqual([]);
  expect((await snapshot()).image.rgba).toEqual(start.image.rgba);
  await waitPaintReady();
});

test('Cancel stops an apply and changes nothing', async ({}, testInfo) => {
  const w = start.labels.width;
  await pickRegion('Hair');
  await setBrushSize(10);
  const band = hairBand(start.labels, 5);
  await stroke(band.left.length > 1 ? band.left : [[w * 0.2, w * 0.8], [w * 0.3, w * 0.8]], w);
  const pending = (await paintInfo()).pending;
  expect(pending).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByTestId('paint-progress')).toBeVisible();
  await expect.poll(async () => (await paintInfo()).applying?.total ?? 0).toBeGreaterThan(0);
  await editor.screenshot(testInfo, 'reshape-progress');
  await page.getByTestId('paint-progress').getByRole('button', { name: 'Cancel' }).click();
  await expect.poll(async () => (await paintInfo()).applying, { timeout: APPLY_TIMEOUT_MS }).toBeNull();
  const info = await paintInfo();
  expect(info.result).toBe('Reshape cancelled; nothing changed.');
  expect(info.pending, 'the paint stays for another try').toBe(pending);
  expect((await editor.info()).history).toEqual([]);
  expect((await snapshot()).image.rgba).toEqual(start.image.rgba);
  await editor.screenshot(testInfo, 'reshape-cancelled');
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('button', { name: 'Painting A' }).click(); // leave paint mode
  expect((await paintInfo()).on).toBe(false);
  expect(await page.getByRole('radio', { name: 'Color', exact: true }).getAttribute('aria-checked')).toBe('true');
  editor.expectNoErrors();
});

test('a model without the reshape graph: the brush is disabled and the reason is shown', async ({ browser }, testInfo) => {
  const other = await newSharedPage(browser, testInfo);
  try {
    const manifest = readManifest('tiny');
    const { reshape: _section, ...rest } = manifest;
    const { reshape: _graph, ...graphs } = manifest.graphs;
    await other.context().route((url) => url.pathname === manifestUrlPath('tiny'), (route) => route.fulfill({ json: { ...rest, graphs } }));
    const tiny = await EditorPage.open(other, { backend: 'wasm', model: 'tiny', debug: true });
    await tiny.whenReady();
    await expect(other.getByTestId('paint-reason')).toContainText('no reshape graph');
    await expect(other.getByRole('button', { name: 'Paint', exact: true })).toBeDisabled();
    await expect(other.getByRole('radio', { name: 'Brush' })).toBeDisabled();
    await expect(other.getByRole('slider', { name: 'Brush size' })).toBeDisabled();
    const swatches = other.locator('[data-paint-region]');
    expect(await swatches.count()).toBeGreaterThan(0);
    for (const s of await swatches.all()) await expect(s).toBeDisabled();
    const reason = await other.getByTestId('paint-reason').innerText();
    record.noGraphReason = reason;
    await tiny.screenshot(testInfo, 'reshape-no-graph');
    tiny.expectNoErrors();
  } finally {
    await other.close();
  }
});

test('no console errors or page errors', async () => {
  editor.expectNoErrors();
});
