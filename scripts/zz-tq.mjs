import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
ort.env.wasm.numThreads = 2;
// [dir, runs]: each entry's runs cover the same number of points
const spec = process.argv.slice(2).map((x) => x.split(':'));
const sessions = [];
for (const [d, runs] of spec) {
  const m = JSON.parse(readFileSync(d + '/manifest.json', 'utf8'));
  const b = m.reshape.batch;
  const s = await ort.InferenceSession.create(readFileSync(d + '/reshape.onnx'), { executionProviders: ['wasm'] });
  const feeds = { region: new ort.Tensor('int64', BigInt64Array.of(7n), [1]), z: new ort.Tensor('float32', new Float32Array(b * 8).map((_, i) => Math.sin(i * 1.7)), [b, 8]), psi: new ort.Tensor('float32', Float32Array.of(0.7), [1]),
    box_min: new ort.Tensor('float32', Float32Array.of(-0.14, -0.07, -0.14), [3]), box_max: new ort.Tensor('float32', Float32Array.of(0.07, 0.14, 0.11), [3]) };
  await s.run(feeds);
  sessions.push({ d, runs: Number(runs), s, feeds, t: [] });
}
for (let rep = 0; rep < 9; rep++) for (const x of sessions) {
  const t0 = performance.now();
  for (let i = 0; i < x.runs; i++) await x.s.run(x.feeds);
  x.t.push(performance.now() - t0);
}
for (const x of sessions) { x.t.sort((a, b) => a - b); console.log(x.d, 'x', x.runs, 'median', x.t[4].toFixed(0), 'min', x.t[0].toFixed(0)); }
