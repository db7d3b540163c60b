import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuse, fuseState, NEGLIGIBLE, updateBase, updateRegion, type RegionBake } from './fuse';

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

describe('fuseState / updateRegion / updateBase', () => {
  const P = 12;
  const regions = [region([0.1, -0.2], [0, 2], [0, 0, 0, 1, 1, 1]), region([0.3, 0.0], [0, 0], [2, 2, 2, -1, -1, -1])];
  // Logits from a small set (ties are frequent) or spread far apart (terms under NEGLIGIBLE are skipped).
  const logit = fc.oneof(fc.constantFrom(-50, -3, 0, 0.5, 2, 45), fc.double({ min: -60, max: 60, noNaN: true }));
  const value = fc.double({ min: -4, max: 4, noNaN: true });
  const bakeArb = fc.record({
    sdf: fc.array(value, { minLength: P, maxLength: P }),
    maskLogit: fc.array(logit, { minLength: P, maxLength: P }),
    rgb: fc.array(value, { minLength: 3 * P, maxLength: 3 * P }),
  }).map((b) => region(b.sdf, b.maskLogit, b.rgb));
  const colorsFor = (k: number) => Array.from({ length: k }, (_, i) => [i / k, 1 - i / k, (i * 7) % 3 / 2]);

  // An update may keep terms that a full fuse drops under NEGLIGIBLE (fuse.ts): each weighs at most
  // exp(NEGLIGIBLE) of the sum, so with k regions the softmax weights differ by up to
  // e = (k - 1) exp(NEGLIGIBLE) (6e-6 a region), the semantic colors (in [0, 1]) by e, the mean
  // color logit (|rgb| <= 4) by 8e and the color after the sigmoid (slope <= 1/4) by 2e. A wrong
  // update is off by far more (fast-check found a 5-region case at 1.2e-5 against 1e-5 alone).
  function expectSame(a: { volume: Float32Array; semantic: Float32Array }, b: { volume: Float32Array; semantic: Float32Array }, k = 2) {
    const tol = 1e-5 + 2 * (k - 1) * Math.exp(NEGLIGIBLE);
    for (let i = 0; i < a.volume.length; i++) {
      expect(Math.abs(a.volume[i] - b.volume[i])).toBeLessThan(tol);
      if (i % 4 === 3) expect(a.semantic[i]).toBe(b.semantic[i]);
      else expect(Math.abs(a.semantic[i] - b.semantic[i])).toBeLessThan(tol);
    }
  }

  it('a sequence of one-region updates equals the full fuse of the same bakes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((k) => fc.tuple(
          fc.constant(k),
          fc.array(bakeArb, { minLength: k, maxLength: k }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: k - 1 }), bakeArb), { minLength: 1, maxLength: 6 }),
        )),
        fc.array(value, { minLength: P, maxLength: P }),
        ([k, bakes, edits], base) => {
          const colors = colorsFor(k);
          const st = fuseState(Float32Array.from(base), bakes, colors, 'softmax');
          const now = [...bakes];
          for (const [r, bake] of edits) {
            updateRegion(st, r, bake);
            now[r] = bake;
            expectSame(st, fuse(Float32Array.from(base), now, colors, 'softmax'), k);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an update to the same bake changes nothing; a new base moves only the SDF', () => {
    const colors = [[1, 0, 0], [0, 0, 1]];
    const st = fuseState(Float32Array.from([0, 0]), regions, colors, 'softmax');
    const before = st.volume.slice();
    updateRegion(st, 1, regions[1]);
    expectSame(st, { volume: before, semantic: st.semantic });
    updateBase(st, Float32Array.from([1, 2]));
    expectSame(st, fuse(Float32Array.from([1, 2]), regions, colors, 'softmax'));
  });

  it('updates with mask_activation none as well', () => {
    const colors = [[1, 0, 0], [0, 0, 1]];
    const st = fuseState(Float32Array.from([0, 0]), regions, colors, 'none');
    const other = region([0, 1], [3, -1], [1, 1, 1, 0, 0, 0]);
    updateRegion(st, 0, other);
    expectSame(st, fuse(Float32Array.from([0, 0]), [other, regions[1]], colors, 'none'));
    expect(() => updateRegion(st, 2, other)).toThrow(/no region/);
  });
});
