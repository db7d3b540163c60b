// Times each named graph of two exported model folders, one after the other in the same Node process, on
// onnxruntime-web's wasm backend (2 threads, as in the browser): the A/B behind docs/benchmarks.md's
// "The graphs' sine as a polynomial". Inputs: the graph's own shapes, `npm run bench`'s fixed values.
//   node scripts/graph-ab.mjs DIR_A DIR_B [graph ...]     (default graphs: reshape bake final bake_base)
// Prints each graph's median of 5 warm runs for A and B, A / B, and the largest output difference. A bake
// graph with a slab input runs every slab (the whole grid), its outputs joined.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { feedsFor, runWholeGrid, timeRuns } from '../bench/lib/node.mjs';

const [dirA, dirB, ...named] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node scripts/graph-ab.mjs DIR_A DIR_B [graph ...]');
  process.exit(2);
}
const roles = named.length ? named : ['reshape', 'bake', 'final', 'bake_base'];
ort.env.wasm.numThreads = 2;

/** The inputs whose random values would mean nothing (the rest: bench/lib/node.mjs's fixed normals). */
function known(spec) {
  const k = {};
  for (const { name, shape } of spec.inputs) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (name === 'region') k[name] = BigInt64Array.of(7n);
    else if (name === 'psi') k[name] = Float32Array.of(0.7);
    else if (name === 'box_min') k[name] = Float32Array.of(-0.14, -0.07, -0.14);
    else if (name === 'box_max') k[name] = Float32Array.of(0.07, 0.14, 0.11);
    else if (name === 'ray_dirs') k[name] = new Float32Array(n).map((_, i) => (i % 3 === 2 ? -1 : 0));
    else if (name === 'ray_origins') k[name] = new Float32Array(n).map((_, i) => (i % 3 === 2 ? 1 : 0));
    else if (name === 't_bounds') k[name] = new Float32Array(n).map((_, i) => (i % 2 ? 1.3 : 0.7));
  }
  return k;
}

async function time(dir, role) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const spec = manifest.graphs[role];
  if (!spec) throw new Error(`${dir}: no graph "${role}" in its manifest`);
  const s = await ort.InferenceSession.create(readFileSync(join(dir, spec.file)), { executionProviders: ['wasm'] });
  const feeds = feedsFor(spec, known(spec));
  // a bake graph with a slab input: every slab (the whole grid, as the app bakes), outputs joined in order
  const slabbed = spec.inputs.some((i) => i.name === 'slab');
  const run = async () => {
    if (!slabbed) return s.run(feeds);
    const whole = await runWholeGrid(s, manifest.bake, feeds);
    return Object.fromEntries(Object.entries(whole).map(([name, data]) => [name, { data }]));
  };
  const out = await run();
  const ms = (await timeRuns(run, 5, 0)).sort((a, b) => a - b);
  await s.release();
  return { median: ms[2], out };
}

for (const role of roles) {
  const a = await time(dirA, role);
  const b = await time(dirB, role);
  let diff = 0;
  for (const k of Object.keys(a.out)) {
    const p = a.out[k].data;
    const q = b.out[k]?.data;
    if (!q || q.length !== p.length) diff = NaN;    // other shapes: the outputs do not compare
    else for (let i = 0; i < p.length; i++) diff = Math.max(diff, Math.abs(p[i] - q[i]));
  }
  const d = Number.isNaN(diff) ? 'n/a (other output shapes)' : diff.toExponential(2);
  console.log(`${role}: A ${a.median.toFixed(0)} ms, B ${b.median.toFixed(0)} ms, A / B ${(a.median / b.median).toFixed(2)}, max |A - B| ${d}`);
}
