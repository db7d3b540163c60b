import { describe, expect, it } from 'vitest';
import { fuse, type RegionBake } from '../kernels/fuse';
import { KernelClient } from './kernelClient';

const P = 8;
const grid = (f: (i: number) => number, n = P) => Float32Array.from({ length: n }, (_, i) => f(i));
const bake = (s: number): RegionBake => ({ sdf: grid((i) => s * i), maskLogit: grid((i) => s - i / 4), rgb: grid((i) => s + i / 10, P * 3) });
const colors = [[1, 0, 0], [0, 1, 0]];

describe('KernelClient (in-thread)', () => {
  it('fuses like fuse() and keeps bakes between calls, so an edit sends one region', async () => {
    const k = new KernelClient(false);
    const base = grid((i) => i / 8 - 0.5);
    const [a, b, b2] = [bake(0.1), bake(0.3), bake(-0.2)];
    const first = await k.fuse({ portrait: 'A', key: '1', baseSdf: base, changed: [{ k: 0, bake: a }, { k: 1, bake: b }], regions: 2, colors, activation: 'softmax' });
    expect(first.volume).toEqual(fuse(base, [a, b], colors, 'softmax').volume);
    const second = await k.fuse({ portrait: 'A', key: '2', baseSdf: null, changed: [{ k: 1, bake: b2 }], regions: 2, colors, activation: 'softmax' });
    // an update of one region (kernels/fuse.ts updateRegion): the full fuse's values to rounding
    const full = fuse(base, [a, b2], colors, 'softmax');
    second.volume.forEach((v, i) => expect(v).toBeCloseTo(full.volume[i], 6));
    second.semantic.forEach((v, i) => expect(v).toBeCloseTo(full.semantic[i], 6));
    // the host keeps its own grids: what it returned is not changed by the next update
    const kept = second.volume.slice();
    await k.fuse({ portrait: 'A', key: '3', baseSdf: null, changed: [{ k: 0, bake: b }], regions: 2, colors, activation: 'softmax' });
    expect(second.volume).toEqual(kept);
    await expect(k.fuse({ portrait: 'B', key: '1', baseSdf: null, changed: [], regions: 2, colors, activation: 'softmax' })).rejects.toThrow(/missing bakes/);
  });

  it('bounds need the fused volume of the same state', async () => {
    const k = new KernelClient(false);
    const req = { portrait: 'A', key: 'x', resolution: 2, bounds: 0.1, origins: new Float32Array(3), dirs: Float32Array.of(0, 0, -1), near: 0.9, far: 1.1, beta: 0.01, coordScale: 8, margin: 0.01, size: 1 };
    await expect(k.bounds(req)).rejects.toThrow(/no fused volume/);
  });
});
