// A broken model is refused with a message that names the file, the field, what was expected
// and what was found, and the app stays usable: the model picker still loads another model.
// The breakage is injected with request routing; the files on disk stay intact.
import { createHash } from 'node:crypto';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { EditorPage } from './pages/editor';
import { manifestUrlPath, readIndex, readManifest } from './support/models';

/**
 * The model to break (the default) and the one picked afterwards: tiny, which loads in seconds,
 * or null while the index lists one model only (then the error's "Try again" reloads it).
 */
function models(): { broken: string; recovery: string | null } {
  const index = readIndex();
  const others = index.models.filter((m) => m.id !== index.default);
  const recovery = others.find((m) => m.id === 'tiny') ?? others[0];
  return { broken: index.default, recovery: recovery?.id ?? null };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function servedAt(path: string) {
  return (url: URL) => url.pathname === path;
}

/** After the error (and with the routes removed): the picker is still there and a model loads. */
async function expectStillUsable(editor: EditorPage, testInfo: TestInfo, broken: string, recovery: string | null) {
  await expect(editor.modelPicker).toBeVisible();
  if (recovery) await editor.pickModel(recovery);
  else await editor.page.getByRole('button', { name: /try again/i }).click();
  await editor.whenReady();
  const info = await editor.info();
  expect(info.modelId).toBe(recovery ?? broken);
  expect(info.status).toBe('ready');
  await editor.screenshot(testInfo, `recovered-${info.modelId}`);
}

async function openBroken(page: Page) {
  const editor = await EditorPage.open(page, { backend: 'wasm', debug: true });
  const info = await editor.settled(120_000);
  expect(info.status, `info() after loading a broken model: ${JSON.stringify(info)}`).toBe('error');
  expect(info.error).toBeTruthy();
  await expect(editor.errorMessage).toBeVisible();
  return { editor, info, shown: await editor.errorMessage.innerText() };
}

test('a manifest field of the wrong type is reported with the file, field, expected and found', async ({ page }, testInfo) => {
  const { broken: id, recovery } = models();
  const manifest = readManifest(id);
  const wrong = 'not-a-number';
  const broken = { ...manifest, render: { ...manifest.render, beta: wrong } };
  await page.context().route(servedAt(manifestUrlPath(id)), (route) => route.fulfill({ json: broken }));

  const { editor, info, shown } = await openBroken(page);
  await editor.screenshot(testInfo, 'manifest-error');
  testInfo.annotations.push({ type: 'error shown', description: shown });
  expect(shown).toContain('manifest.json');
  expect(shown).toMatch(/beta/);
  expect(shown, 'what was expected').toMatch(/number/i);
  expect(shown, 'what was found: the type or the value').toMatch(new RegExp(`string|${wrong}`, 'i'));
  expect(info.error).toMatch(/beta/);

  await page.context().unrouteAll();
  await expectStillUsable(editor, testInfo, id, recovery);
});

test('a graph file whose bytes changed is refused with expected and found sha256', async ({ page }, testInfo) => {
  const { broken: id, recovery } = models();
  const manifest = readManifest(id);
  const graph = manifest.graphs.mapping ?? Object.values(manifest.graphs)[0];
  const graphPath = manifestUrlPath(id).replace(/manifest\.json$/, graph.file);
  let found = '';
  await page.context().route(servedAt(graphPath), async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length >> 1] ^= 0xff; // same size, different hash
    found = sha256(body);
    await route.fulfill({ response, body });
  });

  const { editor, info, shown } = await openBroken(page);
  await editor.screenshot(testInfo, 'graph-error');
  testInfo.annotations.push({ type: 'error shown', description: shown });
  expect(found, `the app never requested ${graphPath}`).not.toBe('');
  expect(shown).toContain(graph.file);
  // Hashes may be shortened on screen; their first 8 hex digits must be there.
  expect(shown).toContain(graph.sha256.slice(0, 8));
  expect(shown).toContain(found.slice(0, 8));
  expect(info.error).toContain(graph.file);

  await page.context().unrouteAll();
  await expectStillUsable(editor, testInfo, id, recovery);
});
