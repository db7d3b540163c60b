// The headless Chromium rows of `npm run bench`: the real app (production build served by
// `vite preview`) driven through window.facet, and the naive frame through the bench page
// (bench/page/naive.ts) on the same backend in the same run. Every timing is taken inside the
// page with performance.now().
import { chromium } from 'playwright-core';
import { skippedRow, summarize } from './format.mjs';
import { bakeRuns } from './node.mjs';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ARGS = ['--no-sandbox', '--headless', '--disable-gpu-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const MISSING = 'not available in this build';

/** extraArgs and env (e.g. LD_LIBRARY_PATH for a carried Chromium) are for scripts/bench-gpu.mjs. */
export async function launch(executablePath, webgpu, { extraArgs = [], env } = {}) {
  const args = [...ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : []), ...extraArgs];
  return chromium.launch({ executablePath, args, ...(env ? { env } : {}) });
}

/** The WebGPU adapter as the bench page sees it (Chromium started with --enable-unsafe-webgpu). */
export async function probeAdapter(browser, baseUrl) {
  const page = await browser.newPage();
  try {
    await page.goto(`${baseUrl}/bench/page/naive.html`);
    await page.waitForFunction(() => window.facetBench !== undefined);
    return await page.evaluate(() => window.facetBench.adapter());
  } finally {
    await page.close();
  }
}

/** Open the app on `model` and wait for its first final image; returns ms since navigation. */
async function coldStart(browser, baseUrl, model, backend, seed) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });   // empty HTTP cache
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`  page error: ${e.message}`));
  await page.goto(`${baseUrl}/?model=${encodeURIComponent(model)}&backend=${backend}&seed=${seed}`, { timeout: 120_000 });
  await page.waitForFunction(() => window.facet !== undefined, null, { timeout: 120_000 });
  const ms = await page.evaluate(() => window.facet.whenReady().then(() => performance.now()));
  return { context, page, ms };
}

/**
 * @param opts { browser, baseUrl, model, manifest, backend, runs, coldRuns, naiveTiles, log, quick }
 */
export async function appRows({ browser, baseUrl, model, manifest, backend, runs, coldRuns, naiveTiles, log, quick = false }) {
  const label = `chromium ${backend}`;
  const slabRuns = bakeRuns(manifest.bake); // runs of a whole bake
  const rows = [];
  const push = (name, times, extra = {}) => {
    const r = { model, name, backend: label, ...summarize(times, extra.scale ?? 1), macs: null, speedup_vs_naive: null, ...extra };
    delete r.scale;
    rows.push(r);
    log(`  ${label}: ${name}: median ${r.median_ms.toFixed(1)} ms`);
    return r;
  };
  const skip = (name, note, macs = null) => {
    rows.push(skippedRow(model, name, label, note, macs));
    log(`  ${label}: ${name}: ${note}`);
  };
  const res = manifest.render.resolution;
  const tiles = Math.ceil((res * res) / manifest.render.tile_rays);

  // Cold start: navigation to the first final image, each in a fresh context.
  const cold = [];
  let open = null;
  for (let i = 0; i < coldRuns; i++) {
    if (open) await open.context.close();
    open = await coldStart(browser, baseUrl, model, backend, 7);
    cold.push(open.ms);
  }
  push('cold start to first final image', cold, { compare: false, note: 'navigation start to window.facet.whenReady(); fresh browser context each run' });
  const { page } = open;
  const info = await page.evaluate(() => window.facet.info());
  if (info.backend !== backend) log(`  warning: the app chose ${info.backend} (${info.adapter}), not ${backend}`);
  const has = await page.evaluate(() => Object.fromEntries(Object.entries(window.facet).map(([k, v]) => [k, typeof v === 'function'])));

  // Final render through the app: a new pose, until its final image is shown (preview + final tiles).
  const yaw = manifest.camera.yaw_range_deg.map((d) => (d * Math.PI) / 180);
  const poses = Array.from({ length: runs + 1 }, (_, i) => [yaw[0] + ((i + 1) / (runs + 2)) * (yaw[1] - yaw[0]) * 0.5, -0.05]);
  const finals = await page.evaluate(async (ps) => {
    const out = [];
    for (const [y, p] of ps) {
      const t0 = performance.now();
      await window.facet.setPose(y, p);
      out.push(performance.now() - t0);
    }
    return out;
  }, poses);
  const aa = (manifest.render.edge_supersample ?? 1) > 1 ? ' + the edge pixels\' anti-aliasing tiles; MACs of the pixel tiles only' : '';
  push(`final render ${res}^2 through the app (new pose to final image, ${tiles} tiles${aa})`, finals.slice(1), { compare: true, macs: tiles * manifest.graphs.final.macs });

  // One-region bake on the app's own session (window.facet.runGraph), the network part of an edit.
  if (has.runGraph && manifest.graphs.bake) {
    const d = manifest.latent.code_dim;
    // in slabs of bake.slab z-planes (a `slab` input) where the model has them, as the app bakes
    const slab = manifest.bake.slab ?? null;
    const t = await page.evaluate(async ({ d, n, slabRuns, slab }) => {
      const code = Array.from({ length: d }, (_, i) => Math.sin(i));
      const feeds = { region: { type: 'int64', dims: [1], data: [3] }, shape_code: { type: 'float32', dims: [1, d], data: code },
        texture_code: { type: 'float32', dims: [1, d], data: code } };
      const out = [];
      for (let i = 0; i <= n; i++) {
        const t0 = performance.now();
        for (let s = 0; s < slabRuns; s++) {
          await window.facet.runGraph('bake', slab ? { ...feeds, slab: { type: 'int64', dims: [1], data: [s] } } : feeds);
        }
        out.push(performance.now() - t0);
      }
      return out.slice(1);
    }, { d, n: runs, slabRuns, slab });
    const grid = `${manifest.bake.resolution}^3 grid${slab ? ` in ${slabRuns} runs of ${slab} planes` : ''}`;
    push(`bake, one region (${grid}, the app's session)`, t, { compare: true, macs: slabRuns * manifest.graphs.bake.macs,
      note: "window.facet.runGraph('bake'); includes its copy of the outputs into plain arrays; no fuse" });
  }

  // Orbit frame: the preview while the camera moves.
  if (has.previewFrames) {
    const frames = await page.evaluate(async (n) => {
      await window.facet.previewFrames(5);                          // warm-up
      const r = await window.facet.previewFrames(n);
      return Array.isArray(r) ? r : [Number(r)];                    // ms per frame (or their mean)
    }, 60);
    push('orbit frame (preview, 512 x 512, ms per frame)', frames, { compare: true, macs: 0, note: 'previewFrames(60): each frame is one run' });
  } else skip('orbit frame (preview, 512 x 512)', `window.facet.previewFrames ${MISSING}`, 0);

  // Slider edit: to the new preview (the app's lastEditMs) and to the settled final image.
  const slider = manifest.latent.sliders?.find((s) => s.region === 'hair' && s.kind === 'texture') ?? manifest.latent.sliders?.[0];
  if (!has.setSlider) skip('slider edit to new preview', `window.facet.setSlider ${MISSING}`, manifest.graphs.bake?.macs ?? null);
  else if (!slider) skip('slider edit to new preview', 'the model has no sliders');
  else {
    const t = await page.evaluate(async ({ s, n }) => {
      const f = window.facet;
      const preview = [], settled = [];
      for (let i = 0; i <= n; i++) {
        // a new value every run: a value seen before would find its final image in the app's cache
        const v = s.min + ((i + 1) / (n + 2)) * (s.max - s.min);
        const t0 = performance.now();
        await f.setSlider('A', s.region, s.kind, s.name, v);
        const t1 = performance.now();
        if (typeof f.settled === 'function') await f.settled();
        const t2 = performance.now();
        const app = typeof f.lastEditMs === 'function' ? f.lastEditMs() : null;
        preview.push(typeof app === 'number' ? app : t1 - t0);
        settled.push(t2 - t0);
      }
      return { preview: preview.slice(1), settled: settled.slice(1), fromApp: typeof f.lastEditMs === 'function' };
    }, { s: slider, n: runs });
    const what = `${slider.region} ${slider.kind} "${slider.name}"`;
    const bakeMacs = manifest.graphs.bake ? slabRuns * manifest.graphs.bake.macs : null;
    push(`slider edit to new preview (${what})`, t.preview, { compare: true, macs: bakeMacs,
      note: t.fromApp ? "the app's lastEditMs()" : 'until setSlider() resolves' });
    push(`slider edit to settled final image (${what})`, t.settled, { compare: true });
  }

  // Region swap with the other portrait (texture), to the settled final image.
  if (!has.regionAction) skip('region swap (swap-texture)', `window.facet.regionAction ${MISSING}`);
  else {
    const region = manifest.regions.find((r) => r.name === 'hair')?.name ?? manifest.regions[0].name;
    const t = await page.evaluate(async ({ region, n }) => {
      const f = window.facet;
      const out = [], preview = [];
      const seedB = f.info().seedB;
      const layout = f.info().layout;
      await f.setLayout('side'); // a swap is made with both portraits on screen (both are re-baked and rendered)
      for (let i = 0; i <= n; i++) {
        // B gets a new seed first (not timed): swapping back and forth between the same two
        // states would find the final images in the app's cache
        await f.setSeed(seedB + 1000 + i, 'B');
        await f.settled();
        const t0 = performance.now();
        await f.regionAction('A', region, 'swap-texture');
        if (typeof f.settled === 'function') await f.settled();
        out.push(performance.now() - t0);
        preview.push(typeof f.lastEditMs === 'function' ? f.lastEditMs() : null);
      }
      await f.setLayout(layout);
      return { settled: out.slice(1), preview: preview.slice(1) };
    }, { region, n: runs });
    if (t.preview.every((v) => typeof v === 'number')) push(`region swap (swap-texture, ${region}, A | B side by side) to new previews`, t.preview, { compare: true, note: "the app's lastEditMs()" });
    push(`region swap (swap-texture, ${region}, A | B side by side) to settled final images`, t.settled, { compare: true });
  }

  // Paint to reshape: the painted edits of bench/reshape-cases.json (the cases of `facet
  // reshape-bench`), each painted by the app's own brush code on portrait A's final labels and
  // applied (window.facet.applyMask). Time per apply: from the painted target to the committed codes.
  if (!has.applyMask) skip('reshape apply', `window.facet.applyMask ${MISSING}`);
  else if (!manifest.graphs.reshape) skip('reshape apply', 'the model has no reshape graph');
  else {
    const all = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'reshape-cases.json'), 'utf8')).cases;
    const cases = quick ? all.filter((_, i) => i % 6 === 3) : all; // --quick: 4 of the 24
    const done = [];
    for (const c of cases) {
      try {
        const r = await page.evaluate(async (c) => {
          const f = window.facet;
          await f.setSeed(c.seed, 'A');
          await f.setPose((c.yaw_deg * Math.PI) / 180, ((c.pitch_deg ?? 0) * Math.PI) / 180);
          const out = await f.applyMask('A', c.edit);
          await f.undo();
          await f.settled();
          return out;
        }, c);
        done.push({ ...c, ...r });
        log(`  ${backend}: reshape ${c.edit} (seed ${c.seed}): ${Math.round(r.ms)} ms (graph ${Math.round(r.graphMs)}, proxy ${Math.round(r.proxyMs)}, commit ${Math.round(r.commitMs)}), target IoU ${r.target_iou_before?.toFixed?.(3)} -> ${r.target_iou?.toFixed?.(3)}`);
      } catch (e) {
        log(`  ${backend}: reshape ${c.edit} (seed ${c.seed}) failed: ${String(e.message ?? e).split('\n')[0]}`);
      }
    }
    if (done.length) {
      const mean = (k) => done.reduce((a, r) => a + (r[k] ?? 0), 0) / done.length;
      const median = (k) => summarize(done.map((r) => r[k] ?? 0)).median_ms;
      push(`reshape apply (${done.length} painted edits of bench/reshape-cases.json)`, done.map((r) => r.ms), {
        compare: true,
        note: `target IoU ${mean('target_iou_before').toFixed(3)} -> ${mean('target_iou').toFixed(3)}, others IoU mean ${mean('others_iou').toFixed(3)} (vs the painting ${mean('others_iou_vs_painting').toFixed(3)}); median ms in the reshape graph ${Math.round(median('graphMs'))}, the TypeScript proxy ${Math.round(median('proxyMs'))}, the commit (re-bake, preview) ${Math.round(median('commitMs'))}; window.facet.applyMask`,
      });
    } else skip('reshape apply', 'every case failed (see the log)');
  }
  await open.context.close();

  // The naive frame on the same backend, through the bench page.
  const npage = await browser.newPage();
  try {
    await npage.goto(`${baseUrl}/bench/page/naive.html`);
    await npage.waitForFunction(() => window.facetBench !== undefined);
    const n = await npage.evaluate(({ model, backend, tiles, runs }) => window.facetBench.naive(model, backend, tiles, runs),
      { model, backend, tiles: naiveTiles, runs: Math.max(1, Math.min(runs, 3)) });
    const whole = n.tiles === n.tilesPerFrame;
    push(`naive frame ${res}^2 (${whole ? 'whole frame' : `${n.tiles} of ${n.tilesPerFrame} tiles, scaled to the frame`})`, n.times,
      { baseline: true, scale: n.tilesPerFrame / n.tiles, note: `bench page, the app's GraphSession, ${backend}${backend === 'wasm' ? ` ${n.threads} threads` : ''}` });
  } finally {
    await npage.close();
  }
  return rows;
}
