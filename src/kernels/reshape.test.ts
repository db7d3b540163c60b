import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dilate } from './image';
import {
  activeSlots,
  boxCornerWeights,
  boxPoints,
  cornerCell,
  cornerWeights,
  EvolutionSearch,
  firstHit,
  gridPositions,
  iou,
  linspace,
  maskLoss,
  proxyPixels,
  RESHAPE,
  rayBox,
  resample,
  runSearch,
  sample,
  sampleAllAt,
  sampleAt,
  type Vec3,
} from './reshape';

/** A grid over [-b, b]^3 whose value at each voxel centre is a x + b y + c z + d. */
function linearGrid(r: number, bounds: number, [a, b, c, d]: number[]): Float32Array {
  const g = new Float32Array(r * r * r);
  const centre = (i: number) => -bounds + ((i + 0.5) * 2 * bounds) / r;
  for (let iz = 0; iz < r; iz++) for (let iy = 0; iy < r; iy++) for (let ix = 0; ix < r; ix++) g[(iz * r + iy) * r + ix] = a * centre(ix) + b * centre(iy) + c * centre(iz) + d;
  return g;
}

describe('proxy', () => {
  it("cornerCell is cornerWeights' corner 0, also outside the grid (the march's bound is read there)", () => {
    const coord = fc.double({ min: -1.5, max: 1.5, noNaN: true });
    fc.assert(
      fc.property(coord, coord, coord, fc.integer({ min: 1, max: 40 }), fc.constantFrom(1.0, 0.14), (x, y, z, r, b) => {
        const { idx } = cornerWeights([x * b, y * b, z * b], r, b);
        expect(cornerCell(x * b, y * b, z * b, r, b)).toBe(idx[0]);
      }),
    );
  });

  it('reads a voxel centre exactly and weights sum to one', () => {
    const r = 4;
    const grid = Float32Array.from({ length: r ** 3 }, (_, i) => i);
    // voxel (ix 1, iy 2, iz 3) centre over [-1, 1]^3
    const c = (i: number) => -1 + ((i + 0.5) * 2) / r;
    expect(resample(grid, r, 1, [c(1), c(2), c(3)])[0]).toBe((3 * r + 2) * r + 1);
    const { w } = cornerWeights([0.1, -0.3, 0.77], r, 1);
    expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
  });

  it('is exact for linear fields inside the grid and clamps outside (property)', () => {
    const r = 8;
    const b = 0.14;
    const inner = b * (1 - 1 / r); // between the outermost voxel centres
    const coef = [0.5, -1.25, 2, 0.1];
    const grid = linearGrid(r, b, coef);
    fc.assert(
      fc.property(fc.tuple(fc.double({ min: -inner, max: inner, noNaN: true }), fc.double({ min: -inner, max: inner, noNaN: true }), fc.double({ min: -inner, max: inner, noNaN: true })), (p) => {
        const v = resample(grid, r, b, p)[0];
        expect(v).toBeCloseTo(coef[0] * p[0] + coef[1] * p[1] + coef[2] * p[2] + coef[3], 5);
      }),
    );
    // outside: the value at the clamped point
    expect(resample(grid, r, b, [5, 0, 0])[0]).toBeCloseTo(resample(grid, r, b, [inner, 0, 0])[0], 6);
  });

  it('samples [G, P] stacks grid by grid', () => {
    const r = 2;
    const stack = Float32Array.from([...Array(8).fill(1), ...Array(8).fill(-2)]);
    expect(Array.from(sample(stack, cornerWeights([0, 0, 0], r, 1), 2))).toEqual([1, -2]);
  });

  it('an interleaved stack read at one point gives exactly what each grid gives alone (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1000 }), fc.tuple(fc.double({ min: -1.2, max: 1.2, noNaN: true }), fc.double({ min: -1.2, max: 1.2, noNaN: true }), fc.double({ min: -1.2, max: 1.2, noNaN: true })), (g, seed, p) => {
        const r = 4;
        const cells = r * r * r;
        const grids = Array.from({ length: g }, (_, k) => Float32Array.from({ length: cells }, (_, i) => Math.sin(seed + 7 * k + 1.3 * i) * 10));
        const stack = new Float32Array(cells * g);
        grids.forEach((grid, k) => grid.forEach((v, i) => (stack[i * g + k] = v)));
        const { idx, w } = cornerWeights(p, r, 1);
        const out = new Float64Array(g);
        sampleAllAt(stack, g, idx, w, out);
        grids.forEach((grid, k) => expect(out[k]).toBe(sampleAt(grid, 0, idx, w, 0)));
      }),
    );
  });

  it('box grids: the voxel centres read back their own values', () => {
    const lo: Vec3 = [-0.1, -0.05, 0.02];
    const hi: Vec3 = [0.08, 0.1, 0.12];
    const r = 5;
    const pts = boxPoints(lo, hi, r);
    expect(pts.slice(0, 3)[0]).toBeCloseTo(lo[0] + (0.5 / r) * 0.18, 12);
    const values = Float32Array.from({ length: r ** 3 }, (_, i) => Math.sin(i));
    const back = sample(values, boxCornerWeights(pts, lo, hi, r));
    back.forEach((v, i) => expect(v).toBeCloseTo(values[i], 5));
  });

  it('first hit: linear refinement between the samples, the far end on a miss', () => {
    const t = [0, 1, 2, 3, 0, 1, 2, 3];
    const { hit, tHit } = firstHit([1, 0.5, -0.5, -1, 1, 1, 1, 1], t, 2, 4);
    expect(Array.from(hit)).toEqual([1, 0]);
    expect(tHit[0]).toBeCloseTo(1.5, 6);
    expect(tHit[1]).toBe(3);
    // inside from the first sample: t of that sample
    expect(firstHit([-1, -2], [0.3, 0.4], 1, 2).tHit[0]).toBe(0.3);
  });

  it('ray box: slab test', () => {
    const { tIn, tOut } = rayBox([0, 0, 2, 0, 5, 2], [0, 0, -1, 0, 0, -1], [-1, -1, -1], [1, 1, 1]);
    expect([tIn[0], tOut[0]]).toEqual([1, 3]);
    expect(tIn[1] > tOut[1]).toBe(true);
  });

  it('IoU is symmetric, 1 on equal masks, in [0, 1] (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }), fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), (a, bb) => {
        const b = bb.slice(0, a.length);
        const v = iou(a, b);
        expect(v).toBe(iou(b, a));
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(iou(a, a)).toBe(1);
      }),
    );
    expect(iou([1, 1, 0, 0], [0, 1, 1, 0])).toBeCloseTo(1 / 3, 12);
  });

  it('mask loss: edited regions count fully (IoU and area), the others at half their mean + OTHERS_MAX_WEIGHT x their worst', () => {
    const wMax = RESHAPE.OTHERS_MAX_WEIGHT;
    // labels 0..2; edited [1]: 1 - IoU(1) = 1 - 1/3; others present 0 and 2
    const labels = [0, 1, 1, 2];
    const target = [0, 0, 1, 1];
    const l0 = 1 - iou(labels.map((v) => v === 0), target.map((v) => v === 0));
    const l2 = 1; // 2 is absent from the target
    expect(maskLoss(labels, target, [1], 3, 0)).toBeCloseTo(1 - 1 / 3 + 0.5 * ((l0 + l2) / 2) + wMax * Math.max(l0, l2), 12);
    // area: 3 px of region 1 where 1 px is painted -> 0.5 x |3 - 1| / 1; region 0: IoU 1/3
    expect(maskLoss([1, 1, 1, 0], [0, 0, 1, 0], [1], 3, 0.5)).toBeCloseTo(2 / 3 + 1 + 0.5 * (2 / 3) + wMax * (2 / 3), 12);
    expect(maskLoss(target, target, [1], 3)).toBe(0);
  });

  it('mask loss with integer weights: the loss of the rays repeated that many times (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((k) =>
          fc.tuple(
            fc.constant(k),
            fc.array(fc.tuple(fc.nat(k - 1), fc.nat(k - 1), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 40 }),
            fc.array(fc.nat(3), { minLength: k, maxLength: k }),
            fc.nat(k - 1),
          ),
        ),
        ([k, rays, outside, edited]) => {
          const labels = rays.map((r) => r[0]);
          const target = rays.map((r) => r[1]);
          const weights = rays.map((r) => r[2]);
          const rep = (v: number[]) => v.flatMap((x, i) => Array<number>(weights[i]).fill(x));
          const a = maskLoss(labels, target, [edited], k, 0.5, outside, weights);
          const b = maskLoss(rep(labels), rep(target), [edited], k, 0.5, outside);
          expect(Math.abs(a - b)).toBeLessThan(1e-12);
        },
      ),
    );
  });
});

describe('apply', () => {
  it('dilate: every pixel within Chebyshev distance d of a marked one (fast-check against brute force)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 5 }), fc.array(fc.nat(), { maxLength: 6 }), (w, h, d, marks) => {
        const m = new Uint8Array(w * h);
        for (const v of marks) m[v % (w * h)] = 1;
        const got = dilate(m, w, h, d);
        for (let r = 0; r < h; r++)
          for (let c = 0; c < w; c++) {
            let want = 0;
            for (let rr = Math.max(0, r - d); rr <= Math.min(h - 1, r + d); rr++) for (let cc = Math.max(0, c - d); cc <= Math.min(w - 1, c + d); cc++) want |= m[rr * w + cc];
            expect(got[r * w + c]).toBe(want);
          }
      }),
    );
  });

  it('grid positions: an even grid with the given step, inside [0, n)', () => {
    expect(gridPositions(5, 1)).toEqual([0, 1, 2, 3, 4]);
    expect(gridPositions(10, 2.5)).toEqual([1, 3, 6, 8]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.double({ min: 1, max: 9, noNaN: true }), (n, s) => {
        const g = gridPositions(n, s);
        g.forEach((v, i) => {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(n);
          if (i) expect(v).toBeGreaterThan(g[i - 1]);
        });
        expect(g.length).toBeGreaterThanOrEqual(Math.floor(n / s));
      }),
    );
  });

  it('proxy pixels: every pixel of a small band, a coarser even grid over a large one, never more than MAX_RAYS', () => {
    const w = 256;
    const before = new Uint8Array(w * w);
    const target = before.slice();
    for (let r = 100; r < 110; r++) for (let c = 120; c < 140; c++) target[r * w + c] = 3;
    const band = Math.round(RESHAPE.BAND * w);
    const small = proxyPixels(before, target, w, w);
    expect(small.stride).toBe(1);
    expect(small.pixels.length).toBe((10 + 2 * band) * (20 + 2 * band));
    expect(small.pixels[0]).toBe((100 - band) * w + 120 - band);
    // the edited region's own pixels count too: region 3 over the top half of the image
    const withRegion = before.slice();
    for (let i = 0; i < (w * w) / 2; i++) withRegion[i] = 3;
    const large = proxyPixels(withRegion, target, w, w, [3]);
    expect(large.stride).toBeGreaterThan(1);
    expect(large.pixels.length).toBeLessThanOrEqual(RESHAPE.MAX_RAYS);
    expect(large.pixels.length).toBeGreaterThan(RESHAPE.MAX_RAYS * 0.8);
    const rows = new Set(Array.from(large.pixels, (p) => Math.floor(p / w)));
    expect(Math.max(...rows)).toBeLessThan(w / 2 + band);
    // nothing painted and no region: no rays
    expect(proxyPixels(before, before, w, w).pixels.length).toBe(0);
  });

  it('proxy pixels: a small other region in a large band gets a finer grid, its rays weighted by the steps ratio squared', () => {
    const w = 256;
    const before = new Uint8Array(w * w);
    for (let i = 0; i < (w * w) / 2; i++) before[i] = 7; // the edited region over the top half
    for (let r = 130; r < 142; r++) for (let c = 40; c < 52; c++) before[r * w + c] = 6; // a small other region in its band
    const target = before.slice();
    for (let r = 128; r < 136; r++) for (let c = 60; c < 200; c++) target[r * w + c] = 7;
    const got = proxyPixels(before, target, w, w, [7]);
    expect(got.stride).toBeGreaterThan(1);
    const fineStride = Math.max(1, got.stride / RESHAPE.FINE_DIVISOR);
    const fineWeight = Math.floor(RESHAPE.WEIGHT_UNIT * (fineStride / got.stride) ** 2 + 0.5);
    expect(new Set(got.weights)).toEqual(new Set([RESHAPE.WEIGHT_UNIT, fineWeight]));
    const d = RESHAPE.FINE_DILATE;
    const inZone = (p: number) => Math.floor(p / w) >= 130 - d && Math.floor(p / w) < 142 + d && p % w >= 40 - d && p % w < 52 + d;
    const fine = Array.from(got.pixels).filter((_, i) => got.weights[i] < RESHAPE.WEIGHT_UNIT);
    expect(fine.length).toBeGreaterThan(0);
    expect(fine.length).toBeLessThanOrEqual(RESHAPE.FINE_RAYS);
    expect(fine.every(inZone)).toBe(true);
    expect(Array.from(got.pixels).filter((_, i) => got.weights[i] === RESHAPE.WEIGHT_UNIT).some(inZone)).toBe(false);
    for (let i = 1; i < got.pixels.length; i++) expect(got.pixels[i]).toBeGreaterThan(got.pixels[i - 1]);
  });

  it('active slots: the shape sliders of a region, sorted', () => {
    const sliders = [
      { region: 'hair', kind: 'shape', slot: 3 },
      { region: 'hair', kind: 'texture', slot: 0 },
      { region: 'hair', kind: 'shape', slot: 1 },
      { region: 'eye', kind: 'shape', slot: 2 },
    ];
    expect(activeSlots(sliders, 'hair')).toEqual([1, 3]);
    expect(activeSlots(sliders, 'nose')).toEqual([]);
  });

  it('linspace as numpy', () => {
    expect(Array.from(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});

describe('search', () => {
  const cfg = { ...RESHAPE.SEARCH };

  it('proposes x0 first, is deterministic and finds a lower loss on a quadratic', async () => {
    const x0 = Float64Array.from([0.5, -0.5, 0]);
    const goal = [1.5, 0.5, -1];
    const f = (c: Float64Array) => Array.from({ length: c.length / 3 }, (_, i) => goal.reduce((s, g, j) => s + (c[i * 3 + j] - g) ** 2, 0));
    const s = new EvolutionSearch(x0, cfg);
    expect(Array.from(s.ask().slice(0, 3))).toEqual([0.5, -0.5, 0]);
    const a = await runSearch(f, x0, cfg);
    const b = await runSearch(f, x0, cfg);
    expect(a).toEqual(b);
    expect(a.loss).toBeLessThan(a.loss0);
    const batches = cfg.generations + (cfg.parsimony > 0 ? 1 : 0); // the best x moved: the parsimony batch runs
    expect(Array.from(a.x).every((v, j) => v !== x0[j])).toBe(true);
    expect(a.evaluations).toBe(cfg.generations * cfg.batch + 3); // one put-back candidate per moved slot
    expect(a.history).toHaveLength(batches);
    a.history.slice(1).forEach((h, i) => expect(h).toBeLessThanOrEqual(a.history[i]));
  });

  it('compass candidates step one slot of the best x so far, + then -, slot after slot', () => {
    const x0 = Float64Array.from([0.5, -0.5, 0]);
    const c3 = { ...cfg, compass: 3, compass_step: 0.25 };
    const s = new EvolutionSearch(x0, c3);
    const cand = s.ask();
    const step = 0.25 * cfg.sigma;
    // the last three candidates of generation 0: slot 0 +step, slot 0 -step, slot 1 +step (from x0)
    expect(Array.from(cand.slice(7 * 3, 8 * 3))).toEqual([0.5 + step, -0.5, 0]);
    expect(Array.from(cand.slice(6 * 3, 7 * 3))).toEqual([0.5 - step, -0.5, 0]);
    expect(Array.from(cand.slice(5 * 3, 6 * 3))).toEqual([0.5, -0.5 + step, 0]);
    // a narrow valley next to x0 along slot 1 (0.6 above it), which wide steps around the mean miss
    const f = (c: Float64Array) => Array.from({ length: c.length / 3 }, (_, i) => {
      const dx = c[i * 3 + 1] - (x0[1] + 0.6);
      return Math.abs(dx) < 0.3 ? dx * dx : 1 + 0.01 * (c[i * 3] ** 2 + c[i * 3 + 2] ** 2);
    });
    const wide = { ...cfg, compass: 0, sigma: 2 };
    return Promise.all([runSearch(f, x0, { ...c3, sigma: 2 }), runSearch(f, x0, wide)]).then(([withCompass, without]) => {
      expect(withCompass.loss).toBeLessThan(0.1);
      expect(without.loss).toBeGreaterThan(withCompass.loss);
    });
  });

  it('parsimony: after the generations a moved slot the loss hardly needs goes back to x0, one that it needs stays', async () => {
    // slot 0 matters (a valley at 1.5), slot 1 barely (at most 0.001 of a loss that stays >= 0.5)
    const x0 = Float64Array.from([0, 0]);
    const f = (c: Float64Array) => Array.from({ length: c.length / 2 }, (_, i) => (c[i * 2] - 1.5) ** 2 + 0.5 - 0.001 * Math.tanh(c[i * 2 + 1]));
    const seen: Float64Array[] = [];
    const on = await runSearch((c) => (seen.push(c.slice()), f(c)), x0, { ...cfg, parsimony: 0.05 });
    const off = await runSearch(f, x0, { ...cfg, parsimony: 0 });
    expect(off.x[1]).not.toBe(0);
    expect(seen).toHaveLength(cfg.generations + 1);
    // the parsimony batch: the best x with slot 0, then slot 1, put back (only those two)
    const last = seen[cfg.generations];
    expect(last).toHaveLength(4);
    expect(on.evaluations).toBe(cfg.generations * cfg.batch + 2);
    expect([last[0], last[3]]).toEqual([0, 0]);
    expect(last[1]).toBeCloseTo(off.x[1], 6);
    expect(on.x[1]).toBe(0);
    expect(on.x[0]).toBeCloseTo(off.x[0], 6);
    expect(on.loss).toBeGreaterThanOrEqual(off.loss);
    expect(on.loss).toBeLessThanOrEqual(off.loss * 1.05);
    expect(on.history).toHaveLength(cfg.generations + 1);
    // one moved slot: putting it back is x0, which the parsimony batch could never accept: it is skipped
    const g1 = (c: Float64Array) => Array.from(c, (v) => 0.5 - 0.001 * Math.tanh(v));
    const calls: number[] = [];
    const one = await runSearch((c) => (calls.push(c.length), g1(c)), Float64Array.from([0]), { ...cfg, parsimony: 0.05 });
    expect(one.x[0]).not.toBe(0);
    expect(one.loss).toBeLessThan(one.loss0);
    expect(calls).toEqual(Array(cfg.generations).fill(cfg.batch));
    expect(one.evaluations).toBe(cfg.generations * cfg.batch);
    expect(one.x).toEqual((await runSearch(g1, Float64Array.from([0]), { ...cfg, parsimony: 0 })).x);
    // nothing moved: no parsimony batch
    const flat = await runSearch(() => [0, 1, 1, 1, 1, 1, 1, 1], x0, { ...cfg, parsimony: 0.05 });
    expect(flat.evaluations).toBe(cfg.generations * 8);
  });

  it('keeps candidates within the clip', () => {
    const s = new EvolutionSearch(Float64Array.from([2.9, -2.9]), { ...cfg, sigma: 10 });
    for (const v of s.ask()) expect(Math.abs(v)).toBeLessThanOrEqual(cfg.clip);
  });

  it('refuses tell() before ask() and ask() after the end', () => {
    const s = new EvolutionSearch(Float64Array.from([0]), { ...cfg, generations: 1 });
    expect(() => s.tell([0])).toThrow('before ask');
    s.ask();
    expect(() => s.tell([1, 2, 3])).toThrow('3 losses for 8 candidates');
    s.tell([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.done).toBe(true);
    expect(() => s.ask()).toThrow('over');
  });
});
