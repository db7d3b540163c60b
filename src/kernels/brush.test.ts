import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canvasToImage,
  composeTarget,
  countChanged,
  emptyBox,
  floodFill,
  imagePixelsPerCanvasPixel,
  stamp,
  strokeSegment,
  UNPAINTED,
} from './brush';

const grid = (width: number, height = width) => ({ width, height });
const blank = (w: number, h = w) => new Uint8Array(w * h).fill(UNPAINTED);
const painted = (layer: Uint8Array, v: number) => layer.reduce((n, x) => n + (x === v ? 1 : 0), 0);

/** 4-connected (or 8-connected) components of the pixels equal to v. */
function components(layer: Uint8Array, w: number, h: number, v: number, eight = false): number {
  const seen = new Uint8Array(layer.length);
  let n = 0;
  for (let s = 0; s < layer.length; s++) {
    if (layer[s] !== v || seen[s]) continue;
    n++;
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % w;
      const y = (i - x) / w;
      const near = [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]];
      if (eight) near.push([x - 1, y - 1], [x + 1, y - 1], [x - 1, y + 1], [x + 1, y + 1]);
      for (const [xx, yy] of near) {
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const j = yy * w + xx;
        if (layer[j] === v && !seen[j]) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
  }
  return n;
}

describe('stamp', () => {
  it('paints the pixels whose centres are inside the disc', () => {
    const layer = blank(9);
    const box = emptyBox();
    const n = stamp(layer, grid(9), 4.5, 4.5, 3, 2, box);
    // centre pixel and its 4 neighbours at distance 1, the diagonals at sqrt(2) > 1.5 excluded
    expect(n).toBe(9); // radius 1.5: |dx|, |dy| <= 1 all have d <= sqrt(2) < 1.5
    expect(painted(layer, 2)).toBe(9);
    // the dirty box covers the painted pixels [3, 6) and may be a pixel larger
    expect(box.x0).toBe(3);
    expect(box.y0).toBe(3);
    expect(box.x1).toBeGreaterThanOrEqual(6);
    expect(box.x1).toBeLessThanOrEqual(7);
    // repainting the same value changes nothing
    expect(stamp(layer, grid(9), 4.5, 4.5, 3, 2)).toBe(0);
  });

  it('a disc of diameter d covers about pi d^2 / 4 pixels', () => {
    const layer = blank(64);
    stamp(layer, grid(64), 32, 32, 20, 1);
    const n = painted(layer, 1);
    expect(Math.abs(n - (Math.PI * 100))).toBeLessThan(20);
  });

  it('a 1 px brush paints the pixel under the point, even between centres', () => {
    const layer = blank(4);
    expect(stamp(layer, grid(4), 1.0, 1.0, 1, 3)).toBe(1);
    expect(layer[1 * 4 + 1]).toBe(3);
  });

  it('clips at the edges and ignores points far outside', () => {
    const layer = blank(8);
    stamp(layer, grid(8), 0, 0, 6, 1);
    expect(painted(layer, 1)).toBeGreaterThan(0);
    expect(stamp(layer, grid(8), -50, -50, 6, 2)).toBe(0);
    expect(painted(layer, 2)).toBe(0);
  });
});

describe('strokeSegment', () => {
  it('leaves no gaps on a long fast segment: one 4-connected area (8-connected for brushes under 2 px)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 63.99, noNaN: true }),
        fc.double({ min: 0, max: 63.99, noNaN: true }),
        fc.double({ min: 0, max: 63.99, noNaN: true }),
        fc.double({ min: 0, max: 63.99, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (x0, y0, x1, y1, d) => {
          const layer = blank(64);
          stamp(layer, grid(64), x0, y0, d, 1);
          strokeSegment(layer, grid(64), x0, y0, x1, y1, d, 1);
          expect(components(layer, 64, 64, 1, d < 2)).toBe(1);
          // both ends painted
          expect(layer[Math.floor(y0) * 64 + Math.floor(x0)]).toBe(1);
          expect(layer[Math.floor(y1) * 64 + Math.floor(x1)]).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a horizontal stroke paints a band as wide as the brush', () => {
    const layer = blank(40);
    stamp(layer, grid(40), 5.5, 20.5, 5, 4);
    strokeSegment(layer, grid(40), 5.5, 20.5, 34.5, 20.5, 5, 4);
    for (let x = 6; x <= 34; x++) {
      const column = [18, 19, 20, 21, 22].map((y) => layer[y * 40 + x]);
      expect(column).toEqual([4, 4, 4, 4, 4]);
      expect(layer[16 * 40 + x]).toBe(UNPAINTED);
      expect(layer[24 * 40 + x]).toBe(UNPAINTED);
    }
  });
});

describe('floodFill', () => {
  it('fills the 4-connected area of the label under the point, not across a diagonal gap', () => {
    // 5x5: a ring of 1s around a 0 centre; a 0 outside; the corner 0s touch the ring only diagonally
    const labels = Uint8Array.from([
      0, 1, 1, 1, 0,
      1, 0, 0, 0, 1,
      1, 0, 2, 0, 1,
      1, 0, 0, 0, 1,
      0, 1, 1, 1, 0,
    ]);
    const layer = blank(5);
    const box = emptyBox();
    const filled = floodFill(labels, layer, grid(5), 1.5, 1.5, 7, box);
    expect(filled.length).toBe(8); // the inner ring of zeros, not the 2, not the corners
    expect(layer[0]).toBe(UNPAINTED);
    expect(layer[12]).toBe(UNPAINTED);
    expect(layer[6]).toBe(7);
    expect(box).toEqual({ x0: 1, y0: 1, x1: 4, y1: 4 });
  });

  it('fills in place when labels and layer are the same array; outside the grid does nothing', () => {
    const a = new Uint8Array(16).fill(3);
    expect(floodFill(a, a, grid(4), 2, 2, 5).length).toBe(16);
    expect(a.every((v) => v === 5)).toBe(true);
    expect(floodFill(a, a, grid(4), 4, 0, 1)).toEqual([]);
    expect(floodFill(a, a, grid(4), -1, 0, 1)).toEqual([]);
  });

  it('is the same as a naive fill on random label maps', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64, min: 0, max: 2 }), fc.integer({ min: 0, max: 63 }), (labels, start) => {
        const layer = blank(8);
        const filled = new Set(floodFill(labels, layer, grid(8), start % 8, Math.floor(start / 8), 9));
        // naive: repeat growing until nothing changes
        const inside = new Uint8Array(64);
        inside[start] = 1;
        for (let changed = true; changed; ) {
          changed = false;
          for (let i = 0; i < 64; i++) {
            if (inside[i] || labels[i] !== labels[start]) continue;
            const x = i % 8;
            const y = Math.floor(i / 8);
            const near = (x > 0 && inside[i - 1]) || (x < 7 && inside[i + 1]) || (y > 0 && inside[i - 8]) || (y < 7 && inside[i + 8]);
            if (near) {
              inside[i] = 1;
              changed = true;
            }
          }
        }
        for (let i = 0; i < 64; i++) expect(filled.has(i)).toBe(inside[i] === 1);
      }),
      { numRuns: 100 },
    );
  });
});

describe('composeTarget / countChanged', () => {
  it('painted pixels override the mask; unpainted ones show it; painting the same label is no change', () => {
    const base = Uint8Array.from([0, 1, 2, 3]);
    const paint = Uint8Array.from([UNPAINTED, 4, 2, UNPAINTED]);
    expect(Array.from(composeTarget(base, paint))).toEqual([0, 4, 2, 3]);
    expect(countChanged(base, paint)).toBe(1);
  });
});

describe('canvasToImage', () => {
  it('maps the centred square the viewport draws the image in, with zoom', () => {
    const canvas = { width: 800, height: 600 };
    const image = grid(256);
    // the square is 600 px, from x = 100 to 700
    expect(canvasToImage(100, 0, canvas, image, 1)).toEqual({ x: 0, y: 0 });
    expect(canvasToImage(700, 600, canvas, image, 1)).toEqual({ x: 256, y: 256 });
    expect(canvasToImage(400, 300, canvas, image, 2)).toEqual({ x: 128, y: 128 });
    // zoom 2: the square is 1200 px; the canvas's left edge x = 0 is 400 px left of the centre
    expect(canvasToImage(0, 300, canvas, image, 2).x).toBeCloseTo(128 - (400 / 1200) * 256);
    expect(imagePixelsPerCanvasPixel(canvas, image, 1)).toBeCloseTo(256 / 600);
    expect(imagePixelsPerCanvasPixel(canvas, image, 2)).toBeCloseTo(256 / 1200);
  });
});
