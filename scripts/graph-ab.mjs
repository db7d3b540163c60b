// Times each named graph of two exported model folders, one after the other in the same Node process, on
// onnxruntime-web's wasm backend (2 threads, as in the browser): the A/B behind docs/benchmarks.md's
// "The graphs' sine as a polynomial". Inputs are the graph's own shapes with fixed pseudo-random values.
//   node scripts/graph-ab.mjs DIR_A DIR_B [graph ...]     (default graphs: reshape bake final bake_base)
// Prints each graph's median of 5 warm runs for A and B, A / B, and the largest output difference.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';

const [dirA, dirB, ...named] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node scripts/graph-ab.mjs DIR_A DIR_B [graph ...]');
  process.exit(2);
}
const roles = named.length ? named : ['reshape', 'bake', 'final', 'bake_base'];
ort.env.wasm.numThreads = 2;

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5);
}

function feedsFor(spec) {
  const r = lcg(1);
  const feeds = {};
  for (const i of spec.inputs) {
    const n = i.shape.reduce((a, b) => a * b, 1);
    if (i.dtype === 'int64') {
      feeds[i.name] = new ort.Tensor('int64', BigInt64Array.from({ length: n }, () => 7n), i.shape);
      continue;
    }
    const d = new Float32Array(n);
    if (i.name === 'psi') d.fill(0.7);
    else if (i.name === 'box_min') d.set([-0.14, -0.07, -0.14]);
    else if (i.name === 'box_max') d.set([0.07, 0.14, 0.11]);
    else if (i.name === 'ray_origins') for (let k = 0; k < n; k += 3) d.set([r() * 0.3, r() * 0.3, 1], k);
    else if (i.name === 'ray_dirs') for (let k = 0; k < n; k += 3) d[k + 2] = -1;
    else if (i.name === 't_bounds') for (let k = 0; k < n; k += 2) d.set([0.7, 1.3], k);
    else for (let k = 0; k < n; k++) d[k] = r() * 1.6;
    feeds[i.name] = new ort.Tensor('float32', d, i.shape);
  }
  return feeds;
}

async function time(dir, role) {
  const spec = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).graphs[role];
  if (!spec) throw new Error(`${dir}: no graph "${role}" in its manifest`);
  const s = await ort.InferenceSession.create(readFileSync(join(dir, spec.file)), { executionProviders: ['wasm'] });
  const feeds = feedsFor(spec);
  let out = await s.run(feeds);
  const ms = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    out = await s.run(feeds);
    ms.push(performance.now() - t);
  }
  await s.release();
  ms.sort((a, b) => a - b);
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
