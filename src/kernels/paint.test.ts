import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EDITS, editedRegions, findEdit, grow, paintEdit, RIGHT, rleDecode, rleEncode } from './paint';

const REGIONS = ['background', 'face', 'eye', 'brow', 'mouth', 'nose', 'ear', 'hair', 'neck_cloth'];
const R = Object.fromEntries(REGIONS.map((n, i) => [n, i]));

/** A 32 x 32 head: background, a face disc, hair on top, a mouth bar, cloth at the bottom. */
function head(): Uint8Array {
  const n = 32;
  const l = new Uint8Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const i = r * n + c;
      if ((r - 14) ** 2 + (c - 16) ** 2 < 81) l[i] = R.face;
      if (r < 9 && Math.abs(c - 16) < 10 && l[i] === R.background) l[i] = R.hair;
      if (r >= 6 && r < 9 && Math.abs(c - 16) < 8) l[i] = R.hair;
      if (r === 18 && Math.abs(c - 16) < 3) l[i] = R.mouth;
      if (r >= 6 && r < 24 && (c === 5 || c === 27)) l[i] = R.hair; // strands down the sides
      if (r >= 26) l[i] = R.neck_cloth;
    }
  }
  return l;
}

describe('paint', () => {
  it('run-length codes round-trip (property) and are refused when they do not fit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200, max: 8 }), (a) => {
        expect(rleDecode(rleEncode(a), a.length)).toEqual(a);
      }),
    );
    expect(rleEncode([3, 3, 0, 7])).toEqual([3, 2, 0, 1, 7, 1]);
    expect(() => rleDecode([1, 3], 4)).toThrow('covers 3 pixels');
    expect(() => rleDecode([1], 1)).toThrow('even');
  });

  it('rank rule: growing a region edits it, painting the background over hair edits the hair', () => {
    expect(editedRegions([R.face, R.face], [R.mouth, R.face], REGIONS)).toEqual([R.mouth]);
    expect(editedRegions([R.hair], [R.background], REGIONS)).toEqual([R.hair]);
    expect(editedRegions([R.mouth], [R.face], REGIONS)).toEqual([R.mouth]);
    expect(editedRegions([R.background, R.face], [R.neck_cloth, R.hair], REGIONS)).toEqual([R.hair, R.neck_cloth]);
    expect(editedRegions([1, 2], [1, 2], REGIONS)).toEqual([]);
  });

  it('grow paints only over the listed regions, px along the directions', () => {
    const l = Uint8Array.from([0, 4, 1, 1, 1, 0]);
    expect(Array.from(grow(l, 6, 1, 4, [1], 2, [RIGHT]))).toEqual([0, 4, 4, 4, 1, 0]);
  });

  it('every scripted edit changes the head and edits its own region', () => {
    const l = head();
    for (const e of EDITS) {
      if (e.name === 'eyes_larger' || e.name === 'ears_larger') continue; // the toy head has none
      const t = paintEdit(e.name, l, 32, 32, REGIONS);
      expect(editedRegions(l, t, REGIONS), e.name).toEqual([R[e.region]]);
    }
    expect(findEdit('mouth').name).toBe('mouth_wider');
    expect(findEdit('hair_longer').region).toBe('hair');
    expect(() => findEdit('nope')).toThrow('No scripted edit');
  });
});
