// The onnxruntime-node (CPU) rows of `npm run bench`: each graph of the model's manifest, the
// full bake (bake_base + one bake per region + the app's TypeScript fuse), the fuse alone, the
// final frame, and the naive frame (bench/build/<model>/naive.onnx) as the same-run baseline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { skippedRow, summarize } from './format.mjs';

const BACKEND = 'onnxruntime-node cpu';

/** Times `fn` (async) `runs` times after `warmup` untimed runs; milliseconds. */
export async function timeRuns(fn, runs, warmup = 1) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

function gaussian(n, seed) {
  // xorshift + Box-Muller: fixed inputs, so every run feeds the same tensors.
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

const count = (shape) => shape.reduce((a, b) => a * b, 1);

/** Feeds for any graph from its manifest signature; known inputs get meaningful values. */
export function feedsFor(spec, known = {}) {
  const feeds = {};
  for (const [i, inp] of spec.inputs.entries()) {
    const n = count(inp.shape);
    if (known[inp.name]) feeds[inp.name] = new ort.Tensor(inp.dtype, known[inp.name], inp.shape);
    else if (inp.dtype === 'int64') feeds[inp.name] = new ort.Tensor('int64', new BigInt64Array(n), inp.shape);
    else feeds[inp.name] = new ort.Tensor('float32', gaussian(n, 17 + i), inp.shape);
  }
  return feeds;
}

/** Runs of a bake graph for the whole grid: one per slab of `bake.slab` z-planes, else 1. */
export const bakeRuns = (bake) => (bake.slab ? bake.resolution / bake.slab : 1);

/**
 * A bake graph over the whole grid, as the app runs it: one run, or one per slab of `bake.slab`
 * z-planes (the `slab` input) with the outputs joined in order. `feeds`: ort tensors without `slab`.
 * Returns each output's data.
 */
export async function runWholeGrid(session, bake, feeds) {
  const runs = bakeRuns(bake);
  const outs = [];
  for (let s = 0; s < runs; s++) {
    outs.push(await session.run(bake.slab ? { ...feeds, slab: new ort.Tensor('int64', BigInt64Array.of(BigInt(s)), [1]) } : feeds));
  }
  return Object.fromEntries(Object.keys(outs[0]).map((k) => {
    if (runs === 1) return [k, outs[0][k].data];
    const n = outs[0][k].data.length;
    const whole = new Float32Array(n * runs);
    outs.forEach((o, s) => whole.set(o[k].data, s * n));
    return [k, whole];
  }));
}

const hexRgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);

const GRAPH_ROWS = {
  mapping: { name: 'mapping (seed to codes)', compare: false },
  bake: { name: 'bake, one region', compare: true },
  bake_base: { name: 'bake_base, base SDF', compare: false },
  final: { name: 'final, one tile', compare: false },
  reshape: { name: 'reshape step', compare: false },
};

/**
 * @param opts { root, model, runs, frameRuns, naiveTiles, kernels, log }
 */
export async function nodeRows({ root, model, runs, frameRuns, naiveTiles, kernels, log }) {
  const dir = join(root, 'public', 'models', model);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const naiveMeta = JSON.parse(readFileSync(join(root, 'bench', 'build', model, 'naive.json'), 'utf8'));
  const { render, camera } = manifest;
  const res = render.resolution;
  const opts = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  const sessions = {};
  for (const [name, g] of Object.entries(manifest.graphs)) {
    sessions[name] = await ort.InferenceSession.create(join(dir, g.file), opts);
  }
  const naive = await ort.InferenceSession.create(join(root, 'bench', 'build', model, 'naive.onnx'), opts);
  const rows = [];
  const push = (name, times, macs, extra = {}) => {
    const r = { model, name, backend: BACKEND, ...summarize(times, extra.scale ?? 1), macs, speedup_vs_naive: null, ...extra };
    delete r.scale;
    rows.push(r);
    log(`  ${BACKEND}: ${name}: median ${r.median_ms.toFixed(1)} ms`);
    return r;
  };

  // Inputs the app would feed: codes from the mapping, rays of a real pose.
  const mappingOut = sessions.mapping
    ? await sessions.mapping.run(feedsFor(manifest.graphs.mapping, { psi: Float32Array.of(manifest.latent.truncation_psi ?? 0.7) }))
    : null;
  const codes = mappingOut ? mappingOut.codes.data : gaussian(manifest.latent.num_codes * manifest.latent.code_dim, 5);
  const codeDim = manifest.latent.code_dim;
  const rays = kernels.pixelRays(kernels.cam2world(0.2, -0.1, camera.radius), res, res, camera.fov_deg);
  const tileFeeds = (tileRays, start) => {
    const n = Math.min(tileRays, res * res - start);
    const o = new Float32Array(tileRays * 3), d = new Float32Array(tileRays * 3);
    o.set(rays.origins.subarray(start * 3, (start + n) * 3));
    d.set(rays.dirs.subarray(start * 3, (start + n) * 3));
    return { codes, ray_origins: o, ray_dirs: d, t_bounds: kernels.rayTBounds(tileRays, camera.near, camera.far) };
  };
  const bakeFeeds = (region) => ({
    region: BigInt64Array.of(BigInt(region)),
    shape_code: codes.slice(2 * region * codeDim, (2 * region + 1) * codeDim),
    texture_code: codes.slice((2 * region + 1) * codeDim, (2 * region + 2) * codeDim),
  });

  // The reshape step as an apply runs it: `reshape.batch` candidate rows of the hair's shape code, a head-sized box.
  const reshapeFeeds = (m) => {
    const zDim = m.latent.z_dim, batch = m.reshape.batch, hair = Math.max(0, m.regions.findIndex((r) => r.name === 'hair'));
    const z = gaussian(batch * zDim, 11);
    const b = m.bake.bounds;
    return { region: BigInt64Array.of(BigInt(hair)), z, psi: Float32Array.of(m.latent.truncation_psi ?? 0.7),
      box_min: Float32Array.of(-b, -b, -0.6 * b), box_max: Float32Array.of(b, b, b) };
  };

  // The bake graphs run in slabs of bake.slab z-planes (a `slab` input), as the app runs them:
  // a row of one of them is all its runs for the whole grid, and its MACs are that many runs'.
  const slabRuns = bakeRuns(manifest.bake);
  const slabNote = manifest.bake.slab ? ` in ${slabRuns} runs of ${manifest.bake.slab} planes` : '';
  const runBake = (name, known) => runWholeGrid(sessions[name], manifest.bake, feedsFor(manifest.graphs[name], known));

  // One row per graph of the manifest (graphs this bench does not know get a generic row).
  for (const [name, g] of Object.entries(manifest.graphs)) {
    const known = name === 'final' ? tileFeeds(render.tile_rays, 0)
      : name === 'bake' ? bakeFeeds(3)
      : name === 'bake_base' ? { shape_code: codes.slice(0, codeDim) }
      : name === 'mapping' ? { psi: Float32Array.of(0.7) }
      : name === 'reshape' ? reshapeFeeds(manifest)
      : { codes };
    const feeds = feedsFor(g, known);
    const meta = GRAPH_ROWS[name] ?? { name: `${name} (one run of the graph)`, compare: false, note: 'graph not known to the bench: generic inputs' };
    const grid = `${manifest.bake.resolution}^3 grid`;
    const label = name === 'final' ? `final, one tile (${render.tile_rays} rays x ${render.samples_per_ray} samples)`
      : name === 'bake' || name === 'bake_base' ? `${meta.name} (${grid}${slabNote})`
      : name === 'reshape' ? `${meta.name} (${manifest.reshape.batch} candidate shape rows of one region on the ${manifest.reshape.resolution}^3 box grid)`
      : meta.name;
    if (name === 'bake' || name === 'bake_base') {
      push(label, await timeRuns(() => runBake(name, known), runs), slabRuns * g.macs, { compare: meta.compare });
      continue;
    }
    push(label, await timeRuns(() => sessions[name].run(feeds), runs), g.macs, { compare: meta.compare, ...(meta.note ? { note: meta.note } : {}) });
  }

  const k = manifest.regions.length;
  const colors = manifest.regions.map((r) => hexRgb(r.color));
  if (sessions.bake && sessions.bake_base) {
    const bakeAll = async () => {
      const base = await runBake('bake_base', { shape_code: codes.slice(0, codeDim) });
      const regions = [];
      for (let i = 0; i < k; i++) {
        const out = await runBake('bake', bakeFeeds(i));
        regions.push({ sdf: out.sdf, maskLogit: out.mask_logit, rgb: out.rgb });
      }
      return { base: base.sdf, regions };
    };
    const baked = await bakeAll();
    push(`fuse (TypeScript, ${k} regions, ${manifest.bake.resolution}^3)`, await timeRuns(async () => kernels.fuse(baked.base, baked.regions, colors, render.mask_activation), runs),
      null, { compare: true, note: 'src/kernels/fuse.ts in Node' });
    push(`full bake (bake_base + ${k} x bake${slabNote} + fuse)`, await timeRuns(async () => {
      const b = await bakeAll();
      kernels.fuse(b.base, b.regions, colors, render.mask_activation);
    }, frameRuns), slabRuns * (manifest.graphs.bake_base.macs + k * manifest.graphs.bake.macs), { compare: true });
  }

  if (sessions.final) {
    const tiles = Math.ceil((res * res) / render.tile_rays);
    const feeds = Array.from({ length: tiles }, (_, t) => feedsFor(manifest.graphs.final, tileFeeds(render.tile_rays, t * render.tile_rays)));
    push(`final frame ${res}^2 (${tiles} tiles)`, await timeRuns(async () => {
      for (const f of feeds) await sessions.final.run(f);
    }, frameRuns), tiles * manifest.graphs.final.macs, { compare: true, note: 't_bounds [near, far]: the cost does not depend on the bounds' });
  } else rows.push(skippedRow(model, 'final frame', BACKEND, 'the model has no final graph'));

  const frameTiles = naiveMeta.tiles_per_frame;
  const measured = Math.min(naiveTiles, frameTiles);
  const naiveFeeds = Array.from({ length: measured }, (_, t) => {
    const start = Math.floor(((t + 0.5) * frameTiles) / measured) * naiveMeta.tile_rays;   // spread over the frame
    return feedsFor(naiveMeta, tileFeeds(naiveMeta.tile_rays, Math.min(start, res * res - 1)));
  });
  const whole = measured === frameTiles;
  push(`naive frame ${res}^2 (${whole ? 'whole frame' : `${measured} of ${frameTiles} tiles, scaled to the frame`})`,
    await timeRuns(async () => { for (const f of naiveFeeds) await naive.run(f); }, frameRuns),
    naiveMeta.macs_per_frame, { baseline: true, scale: frameTiles / measured,
      note: `${naiveMeta.samples_per_ray} samples per ray over [near, far], every region network, ${naiveMeta.tile_rays} rays per run` });

  for (const s of [...Object.values(sessions), naive]) await s.release();
  return rows;
}
