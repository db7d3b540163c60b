import { describe, expect, it } from 'vitest';
import { sliceRows, tilesFor } from './tiles';

describe('tiles', () => {
  it('covers every ray once', () => {
    expect(tilesFor(10, 4)).toEqual([{ start: 0, count: 4 }, { start: 4, count: 4 }, { start: 8, count: 2 }]);
    expect(tilesFor(8, 4)).toHaveLength(2);
  });

  it('pads the last tile with its final row', () => {
    const src = Float32Array.from([0, 0, 1, 1, 2, 2]);
    expect(Array.from(sliceRows(src, 2, { start: 2, count: 1 }, 3))).toEqual([2, 2, 2, 2, 2, 2]);
    expect(Array.from(sliceRows(src, 2, { start: 0, count: 2 }, 2))).toEqual([0, 0, 1, 1]);
  });
});
