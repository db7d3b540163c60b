// The tiny model on the WebGPU backend (Chromium's software adapter, --enable-unsafe-webgpu,
// see the `webgpu` project in playwright.config.ts) against the wasm backend: every graph,
// run through window.facet.runGraph with the same deterministic inputs, agrees to 1e-3.
// The WebGPU page opens with ORT's verbose log (`?ortlog=verbose`), which reports each session's
// node placement: any node "placed on [CPUExecutionProvider]" (a GPU-CPU round trip per run) fails
// the placement test. (Until session 33 that check opened its own WebGPU page, 1.9 of the suite's
// minutes; SwiftShader's shader compiles are most of a page's load.)
import { writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { EditorPage } from './pages/editor';
import type { Backend, GraphOutput } from './support/facetApi';
import { newSharedPage } from './support/browser';
import { buildFeeds } from './support/feeds';
import { readManifest, type Manifest } from './support/models';
import { maxAbsDiff } from './support/pixels';

const MODEL = 'tiny';
const TOLERANCE = 1e-3;
/** The tiny model loads in seconds; WebGPU shader compilation on SwiftShader is the slow part, and
 * ORT's verbose log (a console message per line) slows the WebGPU page further: it took 1.9 min of
 * a 2-minute bound in session 32's CI and over 2 minutes on a slower day. */
const READY_MS = 240_000;

let manifest: Manifest | null = null;
let missing: Error | null = null;
try {
  manifest = readManifest(MODEL);
} catch (err) {
  missing = err as Error;
}

test.describe.configure({ mode: 'serial' });

const pages: Partial<Record<Backend, Page>> = {};
const editors: Partial<Record<Backend, EditorPage>> = {};
/** The WebGPU page's console, from before it opened: ORT's verbose log with the node placement. */
const webgpuLog: string[] = [];

test.afterAll(async () => {
  await Promise.all(Object.values(pages).map((p) => p.close()));
});

async function openOn(backend: Backend, browser: Parameters<typeof newSharedPage>[0], testInfo: Parameters<typeof newSharedPage>[1]) {
  const page = await newSharedPage(browser, testInfo);
  pages[backend] = page;
  if (backend === 'webgpu') page.on('console', (msg) => webgpuLog.push(msg.text()));
  const editor = await EditorPage.open(page, { model: MODEL, backend, ...(backend === 'webgpu' ? { ortlog: 'verbose' } : {}) });
  editors[backend] = editor;
  await editor.whenReady(READY_MS);
  await editor.screenshot(testInfo, `${backend}-ready`);
  const info = await editor.info();
  expect(info.modelId).toBe(MODEL);
  expect(info.status).toBe('ready');
  expect(info.backend).toBe(backend);
  return info;
}

test(`${MODEL} model is exported`, () => {
  if (missing) throw missing;
});

test(`${MODEL} model runs on the WebGPU backend`, async ({ browser }, testInfo) => {
  const info = await openOn('webgpu', browser, testInfo);
  // The software adapter (SwiftShader) is expected here; recorded, not required.
  testInfo.annotations.push({ type: 'adapter', description: info.adapter });
  console.log(`    webgpu adapter: ${info.adapter}`);
});

test('no node of any graph is placed on the CPU under WebGPU', ({}, testInfo) => {
  if (!editors.webgpu) throw new Error('the webgpu page did not open');
  writeFileSync(testInfo.outputPath('ort-log.txt'), webgpuLog.join('\n'));
  const onGpu = webgpuLog.filter((l) => /placed on \[?WebGpuExecutionProvider/i.test(l));
  const onCpu = webgpuLog.filter((l) => /placed on \[?CPUExecutionProvider/i.test(l));
  // Non-vacuous: placement was reported for every graph's session.
  expect(onGpu.length, `placement lines in ORT's verbose log:\n${webgpuLog.slice(0, 40).join('\n')}`).toBeGreaterThanOrEqual(
    Object.keys((manifest as Manifest).graphs).length,
  );
  expect(onCpu, onCpu.join('\n')).toEqual([]);
});

test(`${MODEL} model runs on the wasm backend`, async ({ browser }, testInfo) => {
  await openOn('wasm', browser, testInfo);
});

for (const graph of Object.keys(manifest?.graphs ?? {})) {
  test(`graph ${graph}: WebGPU matches wasm within ${TOLERANCE}`, async ({}, testInfo) => {
    const m = manifest as Manifest;
    const feeds = buildFeeds(m, graph);
    const results: Partial<Record<Backend, Record<string, GraphOutput>>> = {};
    for (const backend of ['webgpu', 'wasm'] as const) {
      const editor = editors[backend];
      if (!editor) throw new Error(`the ${backend} page did not open`);
      results[backend] = await editor.runGraph(graph, feeds);
    }
    const report: Record<string, number> = {};
    for (const out of m.graphs[graph].outputs) {
      const gpu = results.webgpu?.[out.name];
      const cpu = results.wasm?.[out.name];
      expect.soft(gpu, `webgpu output ${out.name}`).toBeDefined();
      expect.soft(cpu, `wasm output ${out.name}`).toBeDefined();
      if (!gpu || !cpu) continue;
      expect.soft(gpu.dims, `webgpu ${out.name} dims`).toEqual(out.shape);
      expect.soft(cpu.dims, `wasm ${out.name} dims`).toEqual(out.shape);
      const diff = gpu.data.length === cpu.data.length ? maxAbsDiff(gpu.data, cpu.data) : Number.NaN;
      report[out.name] = diff;
      expect.soft(diff, `${graph}.${out.name}: max |webgpu - wasm| (NaN: sizes differ or non-finite values)`).toBeLessThanOrEqual(
        TOLERANCE,
      );
    }
    testInfo.annotations.push({ type: 'max abs diff', description: JSON.stringify(report) });
    writeFileSync(testInfo.outputPath('max-abs-diff.json'), `${JSON.stringify(report, null, 2)}\n`);
  });
}
