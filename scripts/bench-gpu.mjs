#!/usr/bin/env node
// The browser rows of `npm run bench` on a machine with a real GPU, without vite, Python or the
// rest of node_modules: serves an already built app folder (`--build` makes it here: the app and
// the bench page, as `npm run bench` builds them), starts the given Chromium with WebGPU and with
// WebGL on the GPU (several flag sets are probed; the best is used: a WebGPU adapter that is not a
// software one, WebGL on the GPU if any), and runs bench/lib/browser.mjs `appRows` on the webgpu backend: cold start, final
// render, one-region bake, orbit (preview) frame, slider edit, swap, the 24 reshape cases and the
// naive frame on the same backend in the same run (the baseline of every ratio). Writes JSON and
// markdown (format.mjs, the same table as bench/results.md). The flag sets, the choice among their
// probes and the static server are bench/lib/gpu.mjs (tested by bench/gpu.test.ts). See docs/benchmarks.md.
//   node scripts/bench-gpu.mjs --build                      (here: bench/build/dist + naive graphs)
//   node scripts/bench-gpu.mjs --readme [--out FILE]        (here: README's facet:bench-gpu block from FILE)
//   node scripts/bench-gpu.mjs --dist DIR --chromium PATH [--models DIR] [--model ID] [--out FILE]
//        [--lib DIR] [--quick] [--allow-software] [--variant NAME] [--probe-only] [--graphs] [--no-app] [--port N]
// --graphs adds, per graph of the model, run() with outputs read back against outputs left on the GPU
// (bench/page/naive.ts graphs()); --no-app skips the app rows.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applySpeedups, markdown, replaceBlock, summarize } from '../bench/lib/format.mjs';
import { appRows, launch, probeAdapter } from '../bench/lib/browser.mjs';
import { bestProbe, serve, VARIANTS } from '../bench/lib/gpu.mjs';
import { machineHeader } from '../bench/lib/machine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s) => console.log(s);

function parseArgs(argv) {
  const a = { model: 'facet-default', out: 'bench/results-gpu.json', port: 4320, quick: false, allowSoftware: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const next = () => argv[++i];
    if (x === '--build') a.build = true;
    else if (x === '--readme') a.readme = true;
    else if (x === '--dist') a.dist = next();
    else if (x === '--chromium') a.chromium = next();
    else if (x === '--models') a.models = next();
    else if (x === '--model') a.model = next();
    else if (x === '--out') a.out = next();
    else if (x === '--lib') a.lib = next();
    else if (x === '--port') a.port = Number(next());
    else if (x === '--quick') a.quick = true;
    else if (x === '--allow-software') a.allowSoftware = true;
    else if (x === '--variant') a.variant = next();
    else if (x === '--probe-only') a.probeOnly = true;
    else if (x === '--graphs') a.graphs = true;
    else if (x === '--no-app') a.noApp = true;
    else throw new Error(`unknown argument: ${x}`);
  }
  return a;
}

/** The app and the bench page as `npm run bench --worktree` builds them, with the naive graphs. */
function build(model) {
  const run = (cmd, args, cwd = root) => {
    const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  };
  run(join(root, 'export', '.venv', 'bin', 'facet'), ['bench', '--model', model, '--build-naive'], join(root, 'export'));
  run(join(root, 'node_modules', '.bin', 'vite'), ['build', '--config', 'bench/vite.config.ts', '--logLevel', 'warn']);
  const to = join(root, 'bench', 'build', 'dist', 'bench', 'page', 'naive', model);
  mkdirSync(to, { recursive: true });
  for (const f of ['naive.onnx', 'naive.json']) cpSync(join(root, 'bench', 'build', model, f), join(to, f));
  const version = (pkg) => JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  // "<commit>-dirty" when the working tree has uncommitted changes
  const git = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(root, 'bench', 'build', 'dist', 'bench-info.json'), JSON.stringify({ ort_web: version('onnxruntime-web'), app_source: git }));
  log(`built bench/build/dist (app, bench page, naive graph of ${model})`);
}

async function webglRenderer(browser, baseUrl) {
  const page = await browser.newPage();
  try {
    await page.goto(`${baseUrl}/bench/page/naive.html`);
    return await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      if (!gl) return 'no WebGL2';
      const d = gl.getExtension('WEBGL_debug_renderer_info');
      return d ? gl.getParameter(d.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    });
  } finally {
    await page.close();
  }
}

/** Per graph: run() as the app runs it (outputs read back) and with the outputs left on the GPU. */
async function graphRows(browser, baseUrl, model) {
  const page = await browser.newPage();
  try {
    await page.goto(`${baseUrl}/bench/page/naive.html`);
    await page.waitForFunction(() => window.facetBench !== undefined);
    const gs = await page.evaluate((m) => window.facetBench.graphs(m), model);
    const rows = [];
    const label = 'chromium webgpu';
    for (const g of gs) {
      for (const [what, times] of [['outputs read back (as the app runs it)', g.readback], ['outputs left on the GPU, until run() returns', g.submit],
        ['outputs left on the GPU, until the GPU is idle', g.done]]) {
        const r = { model, name: `graph ${g.graph}: ${what}`, backend: label, ...summarize(times), macs: g.macs, speedup_vs_naive: null };
        rows.push(r);
        log(`  ${label}: ${r.name}: median ${r.median_ms.toFixed(1)} ms`);
      }
    }
    return rows;
  } finally {
    await page.close();
  }
}

const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(`${what}: no answer in ${ms / 1000} s`)), ms))]);

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.build) return build(a.model);
  if (a.readme) {
    const readme = join(root, 'README.md');
    const md = markdown(JSON.parse(readFileSync(a.out, 'utf8')));
    writeFileSync(readme, replaceBlock(readFileSync(readme, 'utf8'), 'bench-gpu', md));
    return log(`wrote README.md's facet:bench-gpu block from ${a.out}`);
  }
  if (!a.dist || !a.chromium) throw new Error('--dist DIR and --chromium PATH are needed (or --build)');
  const models = a.models ?? join(a.dist, 'models');
  const manifest = JSON.parse(readFileSync(join(models, a.model, 'manifest.json'), 'utf8'));
  const env = { ...process.env };
  if (a.lib) env.LD_LIBRARY_PATH = [resolve(a.lib), env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const server = await serve(resolve(a.dist), resolve(models), a.port);
  const baseUrl = `http://localhost:${a.port}`;
  const started = Date.now();
  const info = existsSync(join(a.dist, 'bench-info.json')) ? JSON.parse(readFileSync(join(a.dist, 'bench-info.json'), 'utf8')) : {};
  const header = { command: `node scripts/bench-gpu.mjs${a.quick ? ' --quick' : ''}`, ...info, ...machineHeader(), quick: a.quick, chromium: null,
    webgpu_adapter: null, webgl_renderer: null, variant: null, backends: [], models: [a.model], probes: [] };
  const notes = [];
  let rows = [];
  try {
    for (const v of VARIANTS.filter((v) => !a.variant || v.name === a.variant)) {
      let browser = null;
      try {
        browser = await withTimeout(launch(a.chromium, true, { extraArgs: v.args, env }), 30_000, `launch (${v.name})`);
        const ad = await withTimeout(probeAdapter(browser, baseUrl), 30_000, `WebGPU probe (${v.name})`);
        const gl = await withTimeout(webglRenderer(browser, baseUrl), 30_000, `WebGL probe (${v.name})`);
        header.chromium = browser.version();
        header.probes.push({ variant: v.name, args: v.args, adapter: ad, webgl: gl });
        log(`probe ${v.name}: WebGPU ${ad.available ? `${ad.description}${ad.software ? ' (software)' : ''}` : `none (${ad.reason})`}; WebGL ${gl}`);
      } catch (e) {
        header.probes.push({ variant: v.name, args: v.args, error: String(e.message ?? e).split('\n')[0] });
        log(`probe ${v.name} failed: ${String(e.message ?? e).split('\n')[0]}`);
      } finally {
        if (browser) await withTimeout(browser.close(), 20_000, 'close').catch(() => {});
      }
      if (bestProbe([header.probes.at(-1)], a.allowSoftware)?.full) break; // WebGPU and WebGL both on the GPU: no need to try the others
    }
    const best = bestProbe(header.probes, a.allowSoftware);
    if (a.probeOnly) notes.push(`--probe-only: best flag set ${best?.variant ?? 'none'}`);
    else if (!best) notes.push('No flag set gave a hardware WebGPU adapter: nothing measured (see header.probes).');
    else {
      Object.assign(header, { variant: best.variant, webgpu_adapter: best.adapter.description, webgl_renderer: best.webgl });
      header.backends.push(`chromium webgpu (${best.adapter.description}; WebGL: ${best.webgl})`);
      const browser = await launch(a.chromium, true, { extraArgs: best.args, env });
      try {
        const cfg = a.quick ? { runs: 1, coldRuns: 1, naiveTiles: 4 } : { runs: 5, coldRuns: 2, naiveTiles: 16 };
        header.settings = cfg;
        if (a.graphs) rows.push(...await graphRows(browser, baseUrl, a.model));
        if (!a.noApp) rows.push(...await appRows({ browser, baseUrl, model: a.model, manifest, backend: 'webgpu', quick: a.quick, runs: cfg.runs,
          coldRuns: cfg.coldRuns, naiveTiles: cfg.naiveTiles, log }));
      } finally {
        await browser.close();
      }
      for (const r of rows) if (r.baseline && r.macs == null) {
        const naive = join(a.dist, 'bench', 'page', 'naive', a.model, 'naive.json');
        if (existsSync(naive)) r.macs = JSON.parse(readFileSync(naive, 'utf8')).macs_per_frame;
      }
      rows = applySpeedups(rows);
    }
  } finally {
    server.close();
  }
  header.wall_s = Math.round((Date.now() - started) / 1000);
  const results = { header, notes, rows: rows.map(({ baseline, compare, ...r }) => ({ ...r, baseline: Boolean(baseline) })) };
  mkdirSync(dirname(resolve(a.out)), { recursive: true });
  writeFileSync(a.out, JSON.stringify(results, null, 2) + '\n');
  const md = markdown(results);
  writeFileSync(a.out.replace(/\.json$/, '') + '.md', md + '\n');
  log(`\n${md}\n\nwrote ${a.out} in ${header.wall_s} s`);
  if (!rows.length) process.exit(2);
}

main().catch((e) => {
  console.error(`bench-gpu: ${e.stack ?? e}`);
  process.exit(1);
});
