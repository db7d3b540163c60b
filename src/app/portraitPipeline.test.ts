// A portrait's pipeline on the tiny model with real ONNX Runtime (wasm): the first request bakes
// every region, an edit of one region's z re-bakes that region alone (and bake_base only for
// region 0's shape), and going back to an earlier state shows its cached final image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKey, rowOf, withEntry } from '../kernels/latent';
import { zFromSeed } from '../kernels/rng';
import type { LoadedModel } from '../model/loader';
import { loadTinyModel, tinyPresent as present } from '../testing/tinyModel';
import { KernelClient } from './kernelClient';
import { PortraitPipeline } from './portraitPipeline';


describe.skipIf(!present)('portrait pipeline on the tiny model (wasm)', () => {
  let model: LoadedModel;
  const runs: Record<string, number[]> = { bake: [], bake_base: [], mapping: [], final: [] };
  const slabs: number[] = [];

  beforeAll(async () => {
    model = await loadTinyModel();
    for (const name of Object.keys(runs) as (keyof typeof runs)[]) {
      const graph = model.graphs[name as 'bake'];
      const run = graph.run.bind(graph);
      graph.run = (feeds) => {
        // the bakes run in slabs (the tiny model: 4 of 4 planes): one bake is counted at its slab 0
        const slab = feeds.slab ? Number((feeds.slab.data as BigInt64Array)[0]) : 0;
        if (name === 'bake' || name === 'bake_base') slabs.push(slab);
        if (slab === 0) runs[name].push(name === 'bake' ? Number((feeds.region.data as BigInt64Array)[0]) : 0);
        return run(feeds);
      };
    }
  }, 120_000);
  afterAll(async () => model && (await model.dispose()));

  it('re-bakes only the edited region', async () => {
    const { latent, regions } = model.manifest;
    const events: (number | null)[] = [];
    const pipe = new PortraitPipeline('A', model, { preview: (ms) => events.push(ms), final: () => {} }, new KernelClient(false));
    const z0 = zFromSeed(3, latent.num_codes, latent.z_dim);
    const job = (z: Float32Array, final = false) => ({ key: contentKey(z, 0.7), z, psi: 0.7, pose: { yaw: 0, pitch: 0 }, final, editedAt: 0 });
    await pipe.request(job(z0, true));
    expect(runs.bake.sort()).toEqual(regions.map((_, k) => k));
    expect(runs.bake_base).toHaveLength(1);
    const { resolution, slab } = model.manifest.bake;
    expect(slab).toBeLessThan(resolution);
    // every bake (9 regions + the base) ran each of its slabs once
    expect(slabs.sort()).toEqual(Array.from({ length: resolution / slab! }, (_, s) => new Array<number>(regions.length + 1).fill(s)).flat());
    const first = pipe.image.value!;
    expect(first.done).toBe(first.width * first.height);

    for (const r of Object.values(runs)) r.length = 0;
    const k = regions.length - 1;
    const z1 = withEntry(z0, rowOf(k, 'texture'), 0, 2.5, latent.z_dim);
    await pipe.request(job(z1));
    expect(runs.bake).toEqual([k]);
    expect(runs.bake_base).toHaveLength(0);
    expect(runs.mapping).toHaveLength(1);
    expect(pipe.preview.value!.key).toBe(contentKey(z1, 0.7));

    for (const r of Object.values(runs)) r.length = 0;
    const z2 = withEntry(z1, rowOf(0, 'shape'), 1, -1, latent.z_dim);
    await pipe.request(job(z2));
    expect(runs.bake).toEqual([0]);
    expect(runs.bake_base).toHaveLength(1);

    // Back to the first state: one region re-baked again, the final image from the cache.
    for (const r of Object.values(runs)) r.length = 0;
    await pipe.request(job(z0, true));
    expect(runs.final).toHaveLength(0);
    expect(pipe.image.value!.rgba).toEqual(first.rgba);
    expect(events.every((e) => e !== null && e >= 0)).toBe(true);
  }, 120_000);
});
