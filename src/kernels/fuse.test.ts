import { describe, expect, it } from 'vitest';
import { fuse, type RegionBake } from './fuse';

function region(sdf: number[], maskLogit: number[], rgb: number[]): RegionBake {
  return { sdf: Float32Array.from(sdf), maskLogit: Float32Array.from(maskLogit), rgb: Float32Array.from(rgb) };
}

describe('fuse', () => {
  const regions = [region([0.1, -0.2], [0, 2], [0, 0, 0, 1, 1, 1]), region([0.3, 0.0], [0, 0], [2, 2, 2, -1, -1, -1])];
  const colors = [[1, 0, 0], [0, 0, 1]];

  it('adds the SDFs to the base', () => {
    const { volume } = fuse(Float32Array.from([1, 2]), regions, colors, 'softmax');
    expect(volume[3]).toBeCloseTo(1.4, 6);
    expect(volume[7]).toBeCloseTo(1.8, 6);
  });

  it('softmax-weights colors and semantic colors, label by argmax', () => {
    const { volume, semantic } = fuse(Float32Array.from([0, 0]), regions, colors, 'softmax');
    // Voxel 0: equal logits -> m = [0.5, 0.5]; c = 1 -> sigmoid(1).
    expect(volume[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(semantic[0]).toBeCloseTo(0.5, 6);
    expect(semantic[2]).toBeCloseTo(0.5, 6);
    expect(semantic[3]).toBe(0); // tie -> first region
    // Voxel 1: logits [2, 0].
    const m0 = Math.exp(2) / (Math.exp(2) + 1);
    const c = m0 * 1 + (1 - m0) * -1;
    expect(volume[4]).toBeCloseTo(1 / (1 + Math.exp(-c)), 6);
    expect(semantic[4]).toBeCloseTo(m0, 6);
    expect(semantic[7]).toBe(0);
  });

  it('uses raw logits when mask_activation is none', () => {
    const { semantic } = fuse(Float32Array.from([0, 0]), regions, colors, 'none');
    expect(semantic[4]).toBeCloseTo(2, 6);
    expect(semantic[0]).toBe(0);
  });

  it('rejects mismatched grids', () => {
    expect(() => fuse(Float32Array.from([0]), regions, colors, 'softmax')).toThrow(/voxels/);
    expect(() => fuse(Float32Array.from([0, 0]), regions, [[0, 0, 0]], 'softmax')).toThrow(/colors/);
  });
});
