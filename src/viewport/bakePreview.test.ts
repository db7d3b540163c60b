// How the bakes' slabs are assembled (bake.slab z-planes a run, docs/model-format.md "Bake grid"):
// graphs that echo their inputs stand in for ONNX Runtime here, because the test is about which
// runs are made and where each run's outputs land. The real graphs' numbers are checked against
// Python elsewhere (src/app/reshape.test.ts's fixture reads the tiny model's slabbed bakes).
import { describe, expect, it } from 'vitest';
import type { LoadedModel } from '../model/loader';
import type { Feeds, Outputs } from '../runtime/tensors';
import { bakeBase, bakeRegion } from './bakePreview';

const R = 4;
const C = 2;

/** A model whose bake graphs give, at each point of their output, slab * 1000 + region * 100 + index in the run. */
function echoModel(slab: number | undefined): { model: LoadedModel; calls: Feeds[] } {
  const calls: Feeds[] = [];
  const depth = slab ?? R;
  const run = (channels: Record<string, number>) => async (feeds: Feeds): Promise<Outputs> => {
    calls.push(feeds);
    const s = feeds.slab ? Number((feeds.slab.data as BigInt64Array)[0]) : 0;
    const region = feeds.region ? Number((feeds.region.data as BigInt64Array)[0]) : 0;
    const out: Outputs = {};
    for (const [name, ch] of Object.entries(channels)) {
      const data = new Float32Array(depth * R * R * ch).map((_, i) => s * 1000 + region * 100 + i);
      out[name] = { dims: [depth, R, R, ch].slice(0, ch === 1 ? 3 : 4), data };
    }
    return out;
  };
  const model = {
    manifest: { latent: { code_dim: C }, bake: { resolution: R, bounds: 0.1, layout: 'zyx', ...(slab ? { slab } : {}) } },
    graphs: { bake: { run: run({ sdf: 1, mask_logit: 1, rgb: 3 }) }, bake_base: { run: run({ sdf: 1 }) } },
  } as unknown as LoadedModel;
  return { model, calls };
}

const codes = new Float32Array(6 * C).map((_, i) => i);

describe('bakes in slabs', () => {
  it('runs every slab once, in order, and puts each where its planes are in the [z, y, x] arrays', async () => {
    const { model, calls } = echoModel(1);
    const b = await bakeRegion(model, codes, 2);
    expect(calls.map((f) => Number((f.slab.data as BigInt64Array)[0]))).toEqual([0, 1, 2, 3]);
    expect(calls.every((f) => Number((f.region.data as BigInt64Array)[0]) === 2)).toBe(true);
    expect([...calls[0].shape_code.data]).toEqual([8, 9]); // rows 2k and 2k + 1 of the codes
    expect([...calls[0].texture_code.data]).toEqual([10, 11]);
    const plane = R * R;
    expect(b.sdf).toHaveLength(R * plane);
    for (let j = 0; j < R * plane; j++) expect(b.sdf[j]).toBe(Math.floor(j / plane) * 1000 + 200 + (j % plane));
    expect(b.rgb).toHaveLength(R * plane * 3);
    for (let j = 0; j < R * plane * 3; j++) expect(b.rgb[j]).toBe(Math.floor(j / (plane * 3)) * 1000 + 200 + (j % (plane * 3)));
    calls.length = 0;
    const base = await bakeBase(model, codes);
    expect(calls.map((f) => Object.keys(f).sort())).toEqual(new Array(R).fill(['shape_code', 'slab']));
    expect(base[plane * 3 + 5]).toBe(3005);
  });

  it('slabs of 2 planes: 2 runs', async () => {
    const { model, calls } = echoModel(2);
    const b = await bakeRegion(model, codes, 1);
    expect(calls).toHaveLength(2);
    expect(b.maskLogit[2 * R * R]).toBe(1100);
  });

  it('a model without bake.slab (exported before session 32): one run of the whole grid, no slab input', async () => {
    const { model, calls } = echoModel(undefined);
    const b = await bakeRegion(model, codes, 0);
    expect(calls).toHaveLength(1);
    expect(Object.keys(calls[0]).sort()).toEqual(['region', 'shape_code', 'texture_code']);
    expect(b.sdf).toHaveLength(R ** 3);
    expect(b.sdf[R ** 3 - 1]).toBe(R ** 3 - 1);
  });
});
