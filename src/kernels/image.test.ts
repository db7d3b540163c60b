import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageToRgba8, labelsToRgba8, majorityLabels, masksToLabels, parseHexColor } from './image';

describe('image', () => {
  it('maps [-1, 1] to 0..255 and clamps', () => {
    const rgba = imageToRgba8(Float32Array.from([-1, 0, 1, -2, 2, NaN]));
    expect(Array.from(rgba)).toEqual([0, 128, 255, 255, 0, 255, 0, 255]);
  });

  it('labels pixels by the strongest mask', () => {
    const labels = masksToLabels(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.5, 0]), 3);
    expect(Array.from(labels)).toEqual([1, 0]);
  });

  it('labels a run of sub-pixel rays by their majority, a tie to the lower region', () => {
    const labels = Uint8Array.from([3, 1, 3, 1, 2, 2, 2, 0, 4, 4, 4, 4, 3, 0, 5, 6]);
    expect(Array.from(majorityLabels(labels, 9, 4))).toEqual([1, 2, 4, 0]);
  });

  it('picks a label held by no fewer rays than any other, the lowest of those (property)', () => {
    fc.assert(
      fc.property(
        fc
          .record({ regions: fc.integer({ min: 1, max: 9 }), per: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 1, max: 6 }) })
          .chain(({ regions, per, n }) =>
            fc.tuple(fc.constant(regions), fc.constant(per), fc.array(fc.integer({ min: 0, max: regions - 1 }), { minLength: n * per, maxLength: n * per })),
          ),
        ([regions, per, values]) => {
          const labels = Uint8Array.from(values);
          const n = values.length / per;
          const out = majorityLabels(labels, regions, per);
          for (let p = 0; p < n; p++) {
            const run = Array.from(labels.subarray(p * per, (p + 1) * per));
            const count = (k: number) => run.filter((v) => v === k).length;
            const top = Math.max(...run.map(count));
            expect(count(out[p])).toBe(top);
            for (let k = 0; k < out[p]; k++) expect(count(k)).toBeLessThan(top);
          }
        },
      ),
    );
  });

  it('colors labels from a palette', () => {
    const palette = [parseHexColor('#000000'), parseHexColor('#F2b880')];
    expect(Array.from(labelsToRgba8(Uint8Array.from([1, 0]), palette))).toEqual([242, 184, 128, 255, 0, 0, 0, 255]);
    expect(() => parseHexColor('red')).toThrow(/rrggbb/);
  });
});
