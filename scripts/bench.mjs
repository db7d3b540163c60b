#!/usr/bin/env node
// `npm run bench`: how fast each part of Facet is on this machine, against the naive per-frame
// evaluation measured in the same run. Writes bench/results.json, bench/results.md and the
// README's <!-- facet:bench --> block. Never part of `npm test`. See docs/benchmarks.md.
//   npm run bench [-- --quick] [--model ID]... [--no-browser] [--no-torch] [--no-readme] [--worktree]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applySpeedups, markdown, replaceBlock, skippedRow } from '../bench/lib/format.mjs';
import { loadKernels } from '../bench/lib/kernels.mjs';
import { machineHeader } from '../bench/lib/machine.mjs';
import { nodeRows } from '../bench/lib/node.mjs';
import { findChromium } from './lib/chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s) => console.log(s);

function parseArgs(argv) {
  const a = { quick: false, models: [], browser: true, torch: true, readme: true, worktree: false, port: 4319 };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--quick') a.quick = true;
    else if (x === '--model') a.models.push(argv[++i]);
    else if (x === '--no-browser') a.browser = false;
    else if (x === '--no-torch') a.torch = false;
    else if (x === '--no-readme') a.readme = false;
    else if (x === '--worktree') a.worktree = true;
    else if (x === '--port') a.port = Number(argv[++i]);
    else if (x === '-h' || x === '--help') a.help = true;
    else throw new Error(`unknown argument: ${x} (see npm run bench -- --help)`);
  }
  return a;
}

const HELP = `usage: npm run bench [-- options]
  --quick        fewer runs and naive tiles (a fast pass; numbers are noisier)
  --model ID     a model of public/models (repeatable; default: every model not marked test_only)
  --no-browser   skip headless Chromium (wasm, WebGPU)
  --no-torch     skip the PyTorch rows (facet bench)
  --no-readme    do not rewrite README.md's facet:bench block
  --worktree     build the app from the working tree (default: from the last commit, git archive HEAD)
  --port N       port for vite preview (default 4319)`;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

const venvFacet = () => {
  const p = join(root, 'export', '.venv', 'bin', 'facet');
  if (!existsSync(p)) throw new Error('export/.venv/bin/facet is missing: run `npm run test:py` once (it creates export/.venv) or see export/README');
  return p;
};

function version(pkg) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** The app to serve: a snapshot of HEAD (git archive) unless --worktree; returns its folder. */
function appSource(worktree) {
  if (worktree) return { dir: root, commit: 'working tree' };
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (git.status !== 0) return { dir: root, commit: 'working tree (not a git checkout)' };
  const dir = join(root, 'bench', 'build', 'app');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const paths = ['index.html', 'src', 'public', 'export/facet/schemas', 'vite.config.ts', 'package.json', 'tsconfig.json'];
  const tar = spawnSync('sh', ['-c', `git archive HEAD ${paths.join(' ')} | tar -x -C "${dir}"`], { cwd: root, stdio: 'inherit' });
  if (tar.status !== 0) throw new Error('git archive HEAD failed');
  mkdirSync(join(dir, 'bench'), { recursive: true });
  cpSync(join(root, 'bench', 'page'), join(dir, 'bench', 'page'), { recursive: true });
  cpSync(join(root, 'bench', 'vite.config.ts'), join(dir, 'bench', 'vite.config.ts'));
  spawnSync('ln', ['-sfn', join(root, 'node_modules'), join(dir, 'node_modules')]);
  return { dir, commit: git.stdout.trim() };
}

async function waitForHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}

async function browserRows(models, manifests, a, cfg, header, notes) {
  const { appRows, launch, probeAdapter } = await import('../bench/lib/browser.mjs');
  const exe = findChromium();
  if (!exe) {
    notes.push('No Chromium found (set CHROMIUM_PATH): browser rows not measured.');
    return models.flatMap((m) => [skippedRow(m, 'app loops in headless Chromium', 'chromium wasm', 'no Chromium found')]);
  }
  const src = appSource(a.worktree);
  header.app_source = src.commit;
  log(`building the app (${src.commit}) with vite ...`);
  const vite = join(root, 'node_modules', '.bin', 'vite');
  run(vite, ['build', '--config', 'bench/vite.config.ts', '--logLevel', 'warn'], { cwd: src.dir });
  for (const m of models) {
    const to = join(src.dir, 'bench', 'build', 'dist', 'bench', 'page', 'naive', m);
    mkdirSync(to, { recursive: true });
    for (const f of ['naive.onnx', 'naive.json']) cpSync(join(root, 'bench', 'build', m, f), join(to, f));
  }
  const server = spawn(vite, ['preview', '--config', 'bench/vite.config.ts', '--port', String(a.port), '--strictPort'],
    { cwd: src.dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const baseUrl = `http://localhost:${a.port}`;
  const rows = [];
  try {
    await waitForHttp(`${baseUrl}/`, 30_000);
    const wasm = await launch(exe, false);
    header.chromium = wasm.version();
    try {
      for (const m of models) {
        log(`chromium wasm: ${m}`);
        const r = await appRows({ browser: wasm, baseUrl, model: m, manifest: manifests[m], backend: 'wasm', quick: a.quick, runs: cfg.appRuns,
          coldRuns: cfg.coldRuns, naiveTiles: cfg.browserNaiveTiles, log });
        rows.push(...r);
      }
    } finally {
      await wasm.close();
    }
    header.backends.push('chromium wasm');
    const gpu = await launch(exe, true);
    try {
      const ad = await probeAdapter(gpu, baseUrl);
      header.webgpu_adapter = ad.available ? ad.description : `none (${ad.reason})`;
      if (!ad.available || ad.software) {
        const why = ad.available ? `WebGPU adapter "${ad.description}" is a software adapter: its timings mean nothing, not measured`
          : `no WebGPU adapter (${ad.reason})`;
        notes.push(`WebGPU: ${why}.`);
        for (const m of models) rows.push(skippedRow(m, 'app loops and naive frame on WebGPU', 'chromium webgpu', why));
      } else {
        header.backends.push(`chromium webgpu (${ad.description})`);
        for (const m of models) {
          log(`chromium webgpu: ${m}`);
          rows.push(...await appRows({ browser: gpu, baseUrl, model: m, manifest: manifests[m], backend: 'webgpu', quick: a.quick, runs: cfg.appRuns,
            coldRuns: cfg.coldRuns, naiveTiles: cfg.gpuNaiveTiles, log }));
        }
      }
    } finally {
      await gpu.close();
    }
  } finally {
    server.kill('SIGTERM');
  }
  return rows;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.help) return log(HELP);
  const started = Date.now();
  const index = JSON.parse(readFileSync(join(root, 'public', 'models', 'index.json'), 'utf8'));
  const models = a.models.length ? a.models : index.models.filter((m) => !m.test_only).map((m) => m.id);
  if (!models.length) models.push(index.default);
  const manifests = {};
  for (const m of models) {
    const p = join(root, 'public', 'models', m, 'manifest.json');
    if (!existsSync(p)) throw new Error(`no model "${m}" in public/models (models: ${index.models.map((x) => x.id).join(', ')})`);
    manifests[m] = JSON.parse(readFileSync(p, 'utf8'));
  }
  const cfg = a.quick
    ? { runs: 3, frameRuns: 1, naiveTiles: 1, appRuns: 1, coldRuns: 1, browserNaiveTiles: 1, gpuNaiveTiles: 4, torchRuns: 1 }
    : { runs: 5, frameRuns: 3, naiveTiles: 8, appRuns: 3, coldRuns: 2, browserNaiveTiles: 2, gpuNaiveTiles: 16, torchRuns: 3 };
  const header = {
    ...machineHeader(), quick: a.quick, runs: cfg.runs,
    ort_node: version('onnxruntime-node'), ort_web: version('onnxruntime-web'), chromium: null, webgpu_adapter: null,
    backends: ['onnxruntime-node cpu'], models, settings: cfg,
  };
  const notes = [];
  let rows = [];

  for (const m of models) {
    log(`naive graph for ${m} (facet bench --build-naive) ...`);
    run(venvFacet(), ['bench', '--model', m, '--build-naive'], { cwd: join(root, 'export') });
  }
  const kernels = await loadKernels(root);
  for (const m of models) {
    log(`onnxruntime-node: ${m}`);
    rows.push(...await nodeRows({ root, model: m, runs: cfg.runs, frameRuns: cfg.frameRuns, naiveTiles: cfg.naiveTiles, kernels, log }));
  }
  if (a.torch) {
    for (const m of models) {
      log(`PyTorch: ${m} (facet bench)`);
      const out = join(root, 'bench', 'build', m, 'torch.json');
      run(venvFacet(), ['bench', '--model', m, '--runs', String(cfg.torchRuns), '--json', out], { cwd: join(root, 'export') });
      const t = JSON.parse(readFileSync(out, 'utf8'));
      header.torch = t.header.torch;
      header.torch_threads = t.header.torch_threads;
      if (t.header.cuda_device) header.cuda_device = t.header.cuda_device;
      for (const r of t.rows) {
        rows.push({ model: m, ...r, baseline: r.name.startsWith('naive frame'), compare: r.name.startsWith('final frame') || r.name.startsWith('full bake') });
        if (!header.backends.includes(r.backend)) header.backends.push(r.backend);
      }
    }
  }
  if (a.browser) rows.push(...await browserRows(models, manifests, a, cfg, header, notes));
  for (const r of rows) {
    if (r.baseline && r.macs == null) r.macs = JSON.parse(readFileSync(join(root, 'bench', 'build', r.model, 'naive.json'), 'utf8')).macs_per_frame;
  }
  rows = applySpeedups(rows);
  header.wall_s = Math.round((Date.now() - started) / 1000);
  const results = {
    header, notes,
    rows: rows.map(({ baseline, compare, ...r }) => ({ ...r, baseline: Boolean(baseline) })),
  };
  writeFileSync(join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const md = markdown(results);
  writeFileSync(join(root, 'bench', 'results.md'), md + '\n');
  if (a.readme) {
    const readme = join(root, 'README.md');
    writeFileSync(readme, replaceBlock(readFileSync(readme, 'utf8'), 'bench', md));
  }
  log(`\n${md}\n\nwrote bench/results.json, bench/results.md${a.readme ? ', README.md (facet:bench block)' : ''} in ${header.wall_s} s`);
}

main().catch((e) => {
  console.error(`npm run bench: ${e.message ?? e}`);
  process.exit(1);
});
