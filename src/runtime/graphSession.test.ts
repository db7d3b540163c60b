// Real ONNX Runtime (onnxruntime-web's wasm provider runs under Node too) on the tiny model the
// exporter writes to public/models/tiny; skipped while it does not exist.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../model/manifest';
import { configureRuntime, GraphSession } from './graphSession';
import { SerialQueue } from './serialQueue';
import { zeros } from './tensors';

const DIR = fileURLToPath(new URL('../../public/models/tiny/', import.meta.url));
const present = existsSync(DIR + 'manifest.json');
if (!present) console.warn(`[graphSession.test] ${DIR} is missing: skipping the real-runtime tests (export the tiny model).`);

describe.skipIf(!present)('GraphSession on the tiny model (wasm)', () => {
  let manifest: Manifest;
  const bytes = (file: string) => new Uint8Array(readFileSync(DIR + file));
  const open = (name: 'mapping' | 'final', spec = manifest.graphs[name], queue?: SerialQueue) =>
    GraphSession.create(name, bytes(manifest.graphs[name].file), spec, 'wasm', queue);

  beforeAll(() => {
    configureRuntime(1);
    manifest = JSON.parse(readFileSync(DIR + 'manifest.json', 'utf8')) as Manifest;
  });

  it('matches the manifest signature and names a difference', async () => {
    const graph = await open('mapping');
    expect(graph.checkSignature()).toEqual([]);
    await graph.dispose();
    const wrong = structuredClone(manifest.graphs.mapping);
    wrong.inputs[0].name = 'latent';
    const mismatched = await open('mapping', wrong);
    expect(mismatched.checkSignature()[0].field).toBe('inputs');
    await mismatched.dispose();
  }, 60_000);

  it('gives the same results for concurrent and sequential runs (the queue serialises them)', async () => {
    const graph = await open('mapping');
    const feeds = (i: number) => {
      const z = zeros(manifest.graphs.mapping.inputs[0]);
      (z.data as Float32Array).fill(i / 10);
      return { z, psi: { type: 'float32' as const, dims: [1], data: Float32Array.of(0.7) } };
    };
    const together = await Promise.all([0, 1, 2, 3].map((i) => graph.run(feeds(i))));
    for (let i = 0; i < 4; i++) {
      const alone = await graph.run(feeds(i));
      expect(Array.from(together[i].codes.data as Float32Array)).toEqual(Array.from(alone.codes.data as Float32Array));
    }
    await graph.dispose();
    await expect(graph.run(feeds(0))).rejects.toThrow(/disposed/);
  }, 60_000);

  // Memory is not asserted: ORT's wasm heap is not observable from here (it never shrinks, and
  // Node's rss/arrayBuffers moved the same with and without release()), so this checks that
  // sessions come and go cleanly and that dispose() is idempotent.
  it('survives repeated create / warm-up / dispose cycles', async () => {
    for (let i = 0; i < 5; i++) {
      const graph = await open('final', undefined, new SerialQueue());
      expect(await graph.warmUp()).toBeGreaterThan(0);
      await Promise.all([graph.dispose(), graph.dispose()]);
    }
  }, 120_000);
});
