// Runs one ONNX graph with onnxruntime-node (CPU) on inputs from a JSON file and writes the
// outputs as JSON: the Node side of test_parity_node.py.
// usage: node ort_node_run.mjs model.onnx inputs.json outputs.json
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(resolve(process.cwd(), 'package.json'));
const ort = require('onnxruntime-node');
const [model, inputsPath, outPath] = process.argv.slice(2);
const feeds = {};
for (const [name, t] of Object.entries(JSON.parse(readFileSync(inputsPath, 'utf8')))) {
  const data = t.type === 'int64' ? BigInt64Array.from(t.data.map(BigInt)) : Float32Array.from(t.data);
  feeds[name] = new ort.Tensor(t.type, data, t.dims);
}
const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
const results = await session.run(feeds);
const out = {};
for (const [name, t] of Object.entries(results)) out[name] = { dims: t.dims, data: Array.from(t.data, Number) };
writeFileSync(outPath, JSON.stringify(out));
