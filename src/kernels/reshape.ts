/**
 * Paint to reshape, the pure part: the mirror of export/facet/reshape/{proxy,apply,search}.py
 * (same steps, same numbers: float32 where numpy computes in float32, so the proxy's label maps
 * match Python's bit for bit up to the graphs' own float differences).
 *
 * - proxy: trilinear reads of zyx grids, the search box's grid, first hit along a ray, IoU and
 *   the mask loss;
 * - apply: the proxy's rays in the band around the edit, the world box around the current surface there,
 *   the current fields along the rays (read from the bakes), and the losses of a batch of
 *   candidates from the `reshape` graph's outputs, each candidate's change from the current codes
 *   added to the bakes' fields (`ReshapeProblem`);
 * - search: the evolution strategy as an ask/tell object (`EvolutionSearch`), so the caller can
 *   run a graph between generations, report progress and stop.
 *
 * Every constant is in `RESHAPE` (re-sync with apply.py / search.py when they change;
 * e2e/fixtures/reshape-tiny.json records Python's and the parity test compares).
 */
import { dilate } from './image';
import { normals } from './rng';

/** apply.py's constants and search.py's SearchConfig defaults. */
export const RESHAPE = {
  MAX_RAYS: 4096, // the proxy's rays at most
  BAND: 0.0625, // the band around the edit: dilated by this fraction of the image's short side (16 px at 256)
  STRIDE_GROWTH: 1.05, // the ray grid's pixel step grows by this until the band holds at most MAX_RAYS rays
  STEPS: 64, // proxy samples per ray through the box
  DEPTH_STEPS: 128, // samples per ray over [near, far] when locating the current surface
  BOX_MARGIN: 0.03, // world units around the surface
  FINE_RAYS: 1024, // at most this many rays more, on a finer grid over the small other regions in the band (0: off)
  FINE_AREA: 0.03, // "small": another region whose pixels before the edit are under this share of the image (an ear, a brow)
  FINE_DILATE: 2, // px around a small region that its finer grid covers
  FINE_DIVISOR: 2, // the finer grid's step: the band's over this (at least 1 px)
  WEIGHT_UNIT: 64, // a ray of the band's grid weighs this much, a finer one round(WEIGHT_UNIT (its step / the band's)^2): integers, exact sums
  AREA_WEIGHT: 0.5, // proxy.py mask_loss: weight of |area - painted area| / painted area per edited region
  OTHERS_MAX_WEIGHT: 0.5, // proxy.py mask_loss: weight of the max over the other regions of (1 - IoU) (0.25 until session 35)
  SEARCH: {
    generations: 6,
    batch: 8, // candidates per generation (the graph evaluates them manifest `reshape.batch` rows a run)
    sigma: 2.0,
    decay: 0.8,
    clip: 3.0,
    prior: 0.0, // loss += prior * mean((x - x0)^2) (off: docs/reshape.md)
    seed: 7,
    compass: 2, // candidates per generation (the last ones) that step one slot from the best x so far
    compass_step: 0.25, // their step: compass_step * sigma
    parsimony: 0.05, // after the generations: a moved slot put back to x0 if at most this much worse (relative; 0: off)
  },
} as const;

export type SearchConfig = { -readonly [K in keyof (typeof RESHAPE)['SEARCH']]: number };

const f32 = Math.fround;

// ---- proxy ---------------------------------------------------------------------------------

export interface Corners {
  idx: Int32Array; // [N * 8] flat indices (iz * R + iy) * R + ix
  w: Float32Array; // [N * 8]
}

/** Trilinear corners of world points [N * 3] on an R^3 grid over [-bounds, bounds]^3 (clamp to edge). */
export function cornerWeights(points: ArrayLike<number>, resolution: number, bounds: number): Corners {
  const n = points.length / 3;
  const idx = new Int32Array(n * 8);
  const w = new Float32Array(n * 8);
  for (let p = 0; p < n; p++) cornersInto(points[p * 3], points[p * 3 + 1], points[p * 3 + 2], resolution, bounds, idx, w, p * 8);
  return { idx, w };
}

/** One point's 8 trilinear corners written at `at` (cornerWeights' inner step, no allocation: the proxy's hot loop). */
export function cornersInto(x: number, y: number, z: number, r: number, bounds: number, idx: Int32Array, w: Float32Array, at: number): void {
  const fx = gridCoord(x, r, bounds);
  const fy = gridCoord(y, r, bounds);
  const fz = gridCoord(z, r, bounds);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const z0 = Math.floor(fz);
  const x1 = Math.min(x0 + 1, r - 1);
  const y1 = Math.min(y0 + 1, r - 1);
  const z1 = Math.min(z0 + 1, r - 1);
  const tx = f32(fx - x0);
  const ty = f32(fy - y0);
  const tz = f32(fz - z0);
  const ux = f32(1 - tx);
  const uy = f32(1 - ty);
  const uz = f32(1 - tz);
  for (let c = 0; c < 8; c++) {
    const ix = c & 1 ? x1 : x0;
    const iy = c & 2 ? y1 : y0;
    const iz = c & 4 ? z1 : z0;
    idx[at + c] = (iz * r + iy) * r + ix;
    w[at + c] = f32(f32((c & 1 ? tx : ux) * (c & 2 ? ty : uy)) * (c & 4 ? tz : uz));
  }
}

/** The flat index of cornersInto's corner 0 (its lowest x, y, z) for one point, the same arithmetic. */
export function cornerCell(x: number, y: number, z: number, r: number, bounds: number): number {
  return (Math.floor(gridCoord(z, r, bounds)) * r + Math.floor(gridCoord(y, r, bounds))) * r + Math.floor(gridCoord(x, r, bounds));
}

/** A world coordinate in [-bounds, bounds] as a voxel-centre coordinate of an r-voxel axis, clamped to [0, r - 1]. */
function gridCoord(v: number, r: number, bounds: number): number {
  const f = ((v + bounds) / (2 * bounds)) * r - 0.5;
  return f < 0 ? 0 : f > r - 1 ? r - 1 : f;
}

/** One point of a grid (starting at `offset`) at its corners, float32 as numpy sums 8 terms. */
export function sampleAt(grid: ArrayLike<number>, offset: number, idx: Int32Array, w: Float32Array, p: number): number {
  const o = p * 8;
  const a0 = f32(grid[offset + idx[o]] * w[o]);
  const a1 = f32(grid[offset + idx[o + 1]] * w[o + 1]);
  const a2 = f32(grid[offset + idx[o + 2]] * w[o + 2]);
  const a3 = f32(grid[offset + idx[o + 3]] * w[o + 3]);
  const a4 = f32(grid[offset + idx[o + 4]] * w[o + 4]);
  const a5 = f32(grid[offset + idx[o + 5]] * w[o + 5]);
  const a6 = f32(grid[offset + idx[o + 6]] * w[o + 6]);
  const a7 = f32(grid[offset + idx[o + 7]] * w[o + 7]);
  return sum8(a0, a1, a2, a3, a4, a5, a6, a7);
}

/** The 8 corner terms summed in float32 in numpy's pairwise order (sampleAt, sampleAllAt). */
function sum8(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number): number {
  return f32(f32(f32(a0 + a1) + f32(a2 + a3)) + f32(f32(a4 + a5) + f32(a6 + a7)));
}

/**
 * Every grid of an interleaved stack ([P, G]: voxel p's G values side by side) at one point's 8
 * corners -> out[G]: the same float32 sums as sampleAt on each grid alone, reading 8 runs of G
 * values instead of 8 scattered voxels of each grid (the proxy's hit: every region's mask logit).
 */
export function sampleAllAt(grids: Float32Array, count: number, idx: Int32Array, w: Float32Array, out: Float64Array): void {
  const a = sampleAllScratch.length >= count * 8 ? sampleAllScratch : (sampleAllScratch = new Float64Array(count * 8));
  for (let c = 0; c < 8; c++) {
    const base = idx[c] * count;
    const wc = w[c];
    for (let g = 0; g < count; g++) a[g * 8 + c] = f32(grids[base + g] * wc);
  }
  for (let g = 0; g < count; g++) {
    const o = g * 8;
    out[g] = sum8(a[o], a[o + 1], a[o + 2], a[o + 3], a[o + 4], a[o + 5], a[o + 6], a[o + 7]);
  }
}
let sampleAllScratch = new Float64Array(0);

/** grid [G, P] (G grids of P voxels) at precomputed corners -> [G, N]. */
export function sample(grid: ArrayLike<number>, corners: Corners, grids = 1): Float32Array {
  const n = corners.idx.length / 8;
  const cells = grid.length / grids;
  const out = new Float32Array(grids * n);
  for (let g = 0; g < grids; g++) for (let p = 0; p < n; p++) out[g * n + p] = sampleAt(grid, g * cells, corners.idx, corners.w, p);
  return out;
}

/** A flat [G, src^3] bake grid over [-bounds, bounds]^3 read trilinearly at points [N * 3] -> [G, N]. */
export function resample(grid: ArrayLike<number>, srcRes: number, bounds: number, points: ArrayLike<number>, grids = 1): Float32Array {
  return sample(grid, cornerWeights(points, srcRes, bounds), grids);
}

export type Vec3 = [number, number, number];

/** Voxel centres of an R^3 grid over a world box, [R^3 * 3], flat index (iz * R + iy) * R + ix. */
export function boxPoints(boxMin: Vec3, boxMax: Vec3, resolution: number): Float64Array {
  const r = resolution;
  const out = new Float64Array(r * r * r * 3);
  let o = 0;
  for (let iz = 0; iz < r; iz++) {
    for (let iy = 0; iy < r; iy++) {
      for (let ix = 0; ix < r; ix++) {
        const u = [ix, iy, iz];
        for (let a = 0; a < 3; a++) out[o + a] = boxMin[a] + ((u[a] + 0.5) / r) * (boxMax[a] - boxMin[a]);
        o += 3;
      }
    }
  }
  return out;
}

/** A box's centre and half size: (point - centre) / half maps it to [-1, 1]^3. */
export function boxFrame(boxMin: Vec3, boxMax: Vec3): { centre: Float64Array; half: Float64Array } {
  return {
    centre: Float64Array.from([0, 1, 2], (a) => (boxMin[a] + boxMax[a]) / 2),
    half: Float64Array.from([0, 1, 2], (a) => (boxMax[a] - boxMin[a]) / 2),
  };
}

/** cornerWeights for a grid over a box: points mapped to the box's [-1, 1]^3 first. */
export function boxCornerWeights(points: ArrayLike<number>, boxMin: Vec3, boxMax: Vec3, resolution: number): Corners {
  const n = points.length / 3;
  const q = new Float64Array(n * 3);
  const { centre, half } = boxFrame(boxMin, boxMax);
  for (let p = 0; p < n; p++) for (let a = 0; a < 3; a++) q[p * 3 + a] = (points[p * 3 + a] - centre[a]) / half[a];
  return cornerWeights(q, resolution, 1.0);
}

/**
 * sdf [N, S] at depths t [N, S] -> hit [N] and t_hit [N]: the first sample with sdf <= 0,
 * refined linearly between it and the sample before (t of the last sample on a miss).
 */
export function firstHit(sdf: ArrayLike<number>, t: ArrayLike<number>, n: number, s: number): { hit: Uint8Array; tHit: Float64Array } {
  const hit = new Uint8Array(n);
  const tHit = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const th = rayFirstHit(s, (j) => sdf[i * s + j], (j) => t[i * s + j]);
    hit[i] = Number.isNaN(th) ? 0 : 1;
    tHit[i] = hit[i] ? th : t[i * s + s - 1];
  }
  return { hit, tHit };
}

/**
 * One ray of firstHit with its samples read on demand: the depth of the first of `s` samples with
 * sdfAt(j) <= 0, refined linearly towards the sample before; NaN on a miss. No sample after the
 * hit is read (the proxy's depth march stops there).
 */
export function rayFirstHit(s: number, sdfAt: (j: number) => number, tAt: (j: number) => number): number {
  let prev = 0;
  for (let j = 0; j < s; j++) {
    const v = sdfAt(j);
    if (v <= 0) return refine(j > 0 ? prev : v, v, j, tAt(Math.max(j - 1, 0)), tAt(j));
    prev = v;
  }
  return NaN;
}

/** The linear refinement of a first hit at sample `first` (sdf d0 before it, d1 at it; float32 as numpy). */
function refine(d0: number, d1: number, first: number, t0: number, t1: number): number {
  const denom = f32(d0 - d1);
  let frac = first > 0 && denom > 1e-12 ? f32(d0 / denom) : 0;
  frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
  return t0 + (t1 - t0) * frac;
}

/** Slab test: each ray's [t_enter, t_exit] through the box (t_enter > t_exit: no crossing). */
export function rayBox(origins: ArrayLike<number>, dirs: ArrayLike<number>, boxMin: Vec3, boxMax: Vec3): { tIn: Float64Array; tOut: Float64Array } {
  const n = origins.length / 3;
  const tIn = new Float64Array(n);
  const tOut = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let lo = -Infinity;
    let hi = Infinity;
    for (let a = 0; a < 3; a++) {
      const d = dirs[i * 3 + a];
      const inv = 1 / (Math.abs(d) < 1e-12 ? 1e-12 : d);
      const ta = (boxMin[a] - origins[i * 3 + a]) * inv;
      const tb = (boxMax[a] - origins[i * 3 + a]) * inv;
      lo = Math.max(lo, Math.min(ta, tb));
      hi = Math.min(hi, Math.max(ta, tb));
    }
    tIn[i] = lo;
    tOut[i] = hi;
  }
  return { tIn, tOut };
}

/** IoU of two boolean masks (1 when both are empty). */
export function iou(a: ArrayLike<boolean | number>, b: ArrayLike<boolean | number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = !!a[i];
    const y = !!b[i];
    if (x || y) union++;
    if (x && y) inter++;
  }
  return union === 0 ? 1 : inter / union;
}

/** IoU from counts: intersection, the two areas, and `same` pixels in both that the counts leave out (proxy.py `iou`'s `same`). */
function iouOfCounts(inter: number, areaA: number, areaB: number, same = 0): number {
  const union = areaA + areaB - inter + same;
  return union === 0 ? 1 : (inter + same) / union;
}

/**
 * IoU of label k in two label maps, for every k < numLabels; present[k]: k occurs in either. With
 * `weights`, each element counts that much (the proxy's rays: integers, so the sums are exact).
 */
export function labelIous(
  labels: ArrayLike<number>,
  target: ArrayLike<number>,
  numLabels: number,
  weights?: ArrayLike<number>,
): { ious: Float64Array; present: Uint8Array; areaA: Float64Array; areaB: Float64Array; inter: Float64Array } {
  const inter = new Float64Array(numLabels);
  const inA = new Float64Array(numLabels);
  const inB = new Float64Array(numLabels);
  for (let i = 0; i < labels.length; i++) {
    const a = labels[i];
    const b = target[i];
    const w = weights ? weights[i] : 1;
    if (a < numLabels) inA[a] += w;
    if (b < numLabels) inB[b] += w;
    if (a === b && a < numLabels) inter[a] += w;
  }
  const ious = new Float64Array(numLabels);
  const present = new Uint8Array(numLabels);
  for (let k = 0; k < numLabels; k++) {
    ious[k] = iouOfCounts(inter[k], inA[k], inB[k]);
    present[k] = inA[k] > 0 || inB[k] > 0 ? 1 : 0;
  }
  return { ious, present, areaA: inA, areaB: inB, inter };
}

/**
 * sum over edited regions of (1 - IoU) + AREA_WEIGHT x |area - painted area| / painted area,
 * + 0.5 x mean + OTHERS_MAX_WEIGHT x max over the other regions present of (1 - IoU); areas and
 * IoUs count each element `weights[i]` times (1 without), `outside[k]` more of label k in both.
 */
export function maskLoss(
  labels: ArrayLike<number>,
  target: ArrayLike<number>,
  edited: readonly number[],
  numLabels: number,
  areaWeight: number = RESHAPE.AREA_WEIGHT,
  outside?: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number {
  const { ious, present, areaA, areaB, inter } = labelIous(labels, target, numLabels, weights);
  let loss = 0;
  for (const e of edited) loss += 1 - ious[e] + (areaWeight * Math.abs(areaA[e] - areaB[e])) / Math.max(areaB[e], 1);
  let sum = 0;
  let count = 0;
  let worst = 0;
  for (let k = 0; k < numLabels; k++) {
    if (edited.includes(k) || !present[k]) continue;
    // pixels outside the labels that stay as they are count in both: the IoU of the whole image
    const err = 1 - iouOfCounts(inter[k], areaA[k], areaB[k], outside ? outside[k] : 0);
    sum += err;
    worst = Math.max(worst, err);
    count++;
  }
  if (count) loss += 0.5 * (sum / count) + RESHAPE.OTHERS_MAX_WEIGHT * worst;
  return loss;
}

// ---- apply ---------------------------------------------------------------------------------

export interface SliderLike {
  region: string;
  kind: string;
  slot: number;
}

/** The z slots of a region's shape row the model uses: its shape sliders' slots (sorted). */
export function activeSlots(sliders: readonly SliderLike[], region: string): number[] {
  return [...new Set(sliders.filter((s) => s.region === region && s.kind === 'shape').map((s) => s.slot))].sort((a, b) => a - b);
}

/** Pixel rows (or columns) of an even grid with this step: floor((i + 0.5) * stride) < n. */
export function gridPositions(n: number, stride: number): number[] {
  const out: number[] = [];
  const count = Math.ceil(n / stride);
  for (let i = 0; i < count; i++) {
    const k = Math.floor((i + 0.5) * stride);
    if (k < n) out.push(k);
  }
  return out;
}

export interface ProxyPixels {
  /** Flat image pixel index of each proxy ray, row-major (ascending). */
  pixels: Int32Array;
  /** The band's grid step in image pixels (>= 1). */
  stride: number;
  /** [256] how many of the grid's points outside the band hold each label before the edit, times WEIGHT_UNIT: the score counts them as unchanged. */
  outside: Float64Array;
  /** Each ray's integer weight: WEIGHT_UNIT on the band's grid, less on the finer grid over the small other regions. */
  weights: Float64Array;
}

/**
 * The proxy's rays: the band around the edit (the painted pixels and every pixel of the `edited`
 * regions before and in the painting, dilated by BAND of the short side), on the finest even grid
 * (step >= 1 px) that puts at most MAX_RAYS rays in it. The proxy sees all of the region, so a
 * candidate that changes it away from the stroke pays for it, and a small region (an ear, an eye)
 * is seen at every 1-1.4 px. Where the band is large (hair: a step of 2.5-2.7 px), the small other
 * regions in it (an ear, a brow: under FINE_AREA of the image before the edit, dilated by
 * FINE_DILATE px) get a finer grid instead (the step over FINE_DIVISOR, at least 1 px, at most
 * FINE_RAYS rays), each of its rays weighted by (its step / the band's)^2 in units of 1 / WEIGHT_UNIT.
 */
export function proxyPixels(before: ArrayLike<number>, target: ArrayLike<number>, width: number, height: number, edited: readonly number[] = []): ProxyPixels {
  const { MAX_RAYS, STRIDE_GROWTH, FINE_RAYS, FINE_AREA, FINE_DILATE, FINE_DIVISOR, WEIGHT_UNIT } = RESHAPE;
  const mark = new Uint8Array(256);
  for (const e of edited) mark[e] = 1;
  const sel = new Uint8Array(width * height);
  for (let i = 0; i < sel.length; i++) sel[i] = before[i] !== target[i] || mark[before[i]] || mark[target[i]] ? 1 : 0;
  const band = dilate(sel, width, height, Math.round(RESHAPE.BAND * Math.min(width, height)));
  let inBand = 0;
  for (let i = 0; i < band.length; i++) inBand += band[i];
  let stride = Math.max(1, Math.sqrt(inBand / MAX_RAYS));
  // the grid's points in a mask, row-major, or null past `limit`
  const onGrid = (mask: Uint8Array, step: number, limit: number): number[] | null => {
    const rows = gridPositions(height, step);
    const cols = gridPositions(width, step);
    const out: number[] = [];
    for (const r of rows) for (const c of cols) if (mask[r * width + c]) out.push(r * width + c);
    return out.length <= limit ? out : null;
  };
  let coarse: number[] | null;
  while ((coarse = onGrid(band, stride, MAX_RAYS)) === null) stride *= STRIDE_GROWTH;
  const outside = new Float64Array(256);
  const cols = gridPositions(width, stride);
  for (const r of gridPositions(height, stride)) for (const c of cols) if (!band[r * width + c]) outside[before[r * width + c]] += WEIGHT_UNIT;
  let fine: number[] = [];
  let fineStride = stride;
  if (FINE_RAYS > 0 && stride > 1) {
    const counts = new Float64Array(256);
    for (let i = 0; i < width * height; i++) counts[before[i]]++;
    const small = new Uint8Array(256);
    for (let k = 0; k < 256; k++) small[k] = !mark[k] && counts[k] > 0 && counts[k] < FINE_AREA * width * height ? 1 : 0;
    const seed = new Uint8Array(width * height);
    for (let i = 0; i < seed.length; i++) seed[i] = small[before[i]] || small[target[i]] ? 1 : 0;
    const z = dilate(seed, width, height, FINE_DILATE);
    let any = false;
    for (let i = 0; i < z.length; i++) {
      z[i] &= band[i];
      if (z[i]) any = true;
    }
    fineStride = Math.max(1, stride / FINE_DIVISOR);
    while (any && fineStride < stride) {
      const got = onGrid(z, fineStride, FINE_RAYS);
      if (got) {
        fine = got;
        break;
      }
      fineStride *= STRIDE_GROWTH;
    }
    if (fine.length) coarse = coarse.filter((p) => !z[p]); // the finer grid replaces the band's there
  }
  const fineWeight = Math.max(1, Math.floor(WEIGHT_UNIT * (fineStride / stride) ** 2 + 0.5));
  const order = [...coarse.map((p) => [p, WEIGHT_UNIT]), ...fine.map((p) => [p, fineWeight])].sort((a, b) => a[0] - b[0]);
  return {
    pixels: Int32Array.from(order, (e) => e[0]),
    stride,
    outside,
    weights: Float64Array.from(order, (e) => e[1]),
  };
}

/** numpy.linspace(a, b, n) (endpoint included). */
export function linspace(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = (b - a) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = i * step + a;
  if (n > 1) out[n - 1] = b;
  return out;
}

/** The portrait's baked fields (what the app caches): base [P], and per region sdf / mask logit [P]. */
export interface ReshapeBakes {
  resolution: number;
  bounds: number;
  base: Float32Array;
  sdf: Float32Array[];
  maskLogit: Float32Array[];
}

export interface ReshapeSetup {
  numRegions: number;
  /** The reshape graph's grid side (manifest `reshape`). */
  resolution: number;
  near: number;
  far: number;
  zDim: number;
  /** z [2K * zDim] now. */
  z: Float32Array;
  bakes: ReshapeBakes;
  /** The edit camera's pixel rays [H * W * 3] each, row-major, row 0 at the top. */
  origins: ArrayLike<number>;
  dirs: ArrayLike<number>;
  width: number;
  height: number;
  /** The current mask and the painted one, [H * W]. */
  before: ArrayLike<number>;
  target: ArrayLike<number>;
  /** Edited region indices (sorted) and each one's active shape slots. */
  edited: number[];
  slots: number[][];
  /**
   * The final render's label prior (manifest config.label_bias, [K]; absent or empty: none): added to
   * the mask logits before the argmax, so that the proxy draws the labels the final render draws.
   */
  labelBias?: ArrayLike<number>;
}

/** f32 sum of grids in order (numpy's `sum(0)` over a stack), then base + it. */
function baseplus(base: Float32Array, grids: Float32Array[]): Float32Array {
  const out = new Float32Array(base.length);
  if (grids.length === 0) return out.map((_, i) => base[i]);
  const acc = Float32Array.from(grids[0]);
  for (let g = 1; g < grids.length; g++) for (let i = 0; i < acc.length; i++) acc[i] = f32(acc[i] + grids[g][i]);
  for (let i = 0; i < out.length; i++) out[i] = f32(base[i] + acc[i]);
  return out;
}

/**
 * One reshape's fixed part (apply.py `Reshaper.apply` up to the search): the proxy rays, the box, the
 * current fused SDF sampled from the bakes along the proxy rays, and `losses()` for a batch of candidates given the
 * `reshape` graph's outputs.
 */
export class ReshapeProblem {
  /** The proxy rays' grid step in image pixels. */
  readonly stride: number;
  /** Grid points outside the band per label (before the edit): unchanged in every candidate's score. */
  private readonly outside: Float64Array;
  /** Each proxy ray's weight in the score (proxyPixels). */
  private readonly weights: Float64Array;
  readonly pixels: Int32Array;
  readonly boxMin: Vec3;
  readonly boxMax: Vec3;
  readonly x0: Float64Array;
  readonly dims: number;
  private readonly rays: number;
  private readonly o: Float64Array;
  private readonly d: Float64Array;
  private readonly goalPainted: Uint8Array;
  private readonly goalBefore: Uint8Array;
  private readonly through: Uint8Array;
  private readonly tBox: Float64Array; // [rays * STEPS]
  private readonly sPts: Float64Array; // [rays * STEPS * 3] the samples in the box's [-1, 1]^3
  private readonly sCell: Int32Array; // [rays * STEPS] the box grid's index of each sample's corner 0
  private readonly nowSamples: Float32Array; // [rays * STEPS] the current fused SDF, from the bakes
  private readonly bakeLogits: Float32Array; // [P, K] every region's baked mask logit, interleaved (sampleAllAt)
  private readonly bias: Float32Array | null; // the label prior [K] (float32, as numpy adds it), or none
  private readonly centre: Float64Array; // the box's centre and half size (boxCornerWeights' mapping)
  private readonly half: Float64Array;
  private current: Uint8Array | null = null;
  /** The box grid's fields of the current codes (candidate 0 of the first call) per edited region. */
  private currentOut: { sdf: Float32Array; maskLogit: Float32Array }[] | null = null;
  private scratch: { dSdf: Float32Array[]; bound: Float32Array; m1: Float32Array; m2: Float32Array; boundAll: Float32Array } | null = null;

  constructor(readonly setup: ReshapeSetup) {
    const { z, zDim, edited, slots, bakes, width, height, resolution: r } = setup;
    const { STEPS, DEPTH_STEPS, BOX_MARGIN } = RESHAPE;
    this.x0 = Float64Array.from(edited.flatMap((e, i) => slots[i].map((s) => z[2 * e * zDim + s])));
    this.dims = this.x0.length;
    if (this.dims === 0) throw new Error('the edited regions have no shape directions to search');
    const bias = setup.labelBias;
    if (bias && bias.length > 0 && bias.length !== setup.numRegions) {
      throw new Error(`the label prior needs one number per region (${setup.numRegions}; found ${bias.length})`);
    }
    this.bias = bias && bias.length > 0 ? Float32Array.from(bias) : null;
    const rays = proxyPixels(setup.before, setup.target, width, height, edited);
    this.stride = rays.stride;
    this.outside = rays.outside;
    this.weights = rays.weights;
    const pix = (this.pixels = rays.pixels);
    const n = (this.rays = pix.length);
    this.o = new Float64Array(n * 3);
    this.d = new Float64Array(n * 3);
    this.goalPainted = new Uint8Array(n);
    this.goalBefore = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < 3; a++) {
        this.o[i * 3 + a] = setup.origins[pix[i] * 3 + a];
        this.d[i * 3 + a] = setup.dirs[pix[i] * 3 + a];
      }
      this.goalPainted[i] = setup.target[pix[i]];
      this.goalBefore[i] = setup.before[pix[i]];
    }
    const { o, d } = this;

    // the current surface along the proxy's rays, on the cached bakes: each ray marched until its
    // first sample with sdf <= 0 (firstHit, without reading the samples after it)
    const ts = linspace(setup.near, setup.far, DEPTH_STEPS);
    const fused = baseplus(bakes.base, bakes.sdf);
    const hit = new Uint8Array(n);
    const tHit = new Float64Array(n);
    const ci = new Int32Array(8);
    const cw = new Float32Array(8);
    for (let i = 0; i < n; i++) {
      const sdfAt = (j: number) => {
        const t = ts[j];
        cornersInto(o[i * 3] + d[i * 3] * t, o[i * 3 + 1] + d[i * 3 + 1] * t, o[i * 3 + 2] + d[i * 3 + 2] * t, bakes.resolution, bakes.bounds, ci, cw, 0);
        return sampleAt(fused, 0, ci, cw, 0);
      };
      tHit[i] = rayFirstHit(DEPTH_STEPS, sdfAt, (j) => ts[j]);
      hit[i] = Number.isNaN(tHit[i]) ? 0 : 1;
    }
    let tLo = Infinity;
    let tHi = -Infinity;
    for (let i = 0; i < n; i++) {
      if (!hit[i]) continue;
      tLo = Math.min(tLo, tHit[i]);
      tHi = Math.max(tHi, tHit[i]);
    }
    if (tLo === Infinity) [tLo, tHi] = [setup.near, setup.far];
    const b = bakes.bounds;
    const lo: Vec3 = [Infinity, Infinity, Infinity];
    const hi: Vec3 = [-Infinity, -Infinity, -Infinity];
    for (const tt of [tLo - BOX_MARGIN, tHi + BOX_MARGIN]) {
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < 3; a++) {
          const v = o[i * 3 + a] + d[i * 3 + a] * tt;
          lo[a] = Math.min(lo[a], v);
          hi[a] = Math.max(hi[a], v);
        }
      }
    }
    const clip = (v: number) => Math.min(Math.max(v, -b), b);
    this.boxMin = lo.map((v) => clip(v - BOX_MARGIN)) as Vec3;
    this.boxMax = hi.map((v) => clip(v + BOX_MARGIN)) as Vec3;

    // the current fields, read from the bakes themselves wherever a ray needs them (the box grid is
    // coarser than the bake for a box as large as the hair's); a candidate adds to them the change
    // of the edited regions' fields from the current codes on the box grid
    const { tIn, tOut } = rayBox(o, d, this.boxMin, this.boxMax);
    this.through = new Uint8Array(n);
    const frac = linspace(0, 1, STEPS);
    this.tBox = new Float64Array(n * STEPS);
    ({ centre: this.centre, half: this.half } = boxFrame(this.boxMin, this.boxMax));
    // each sample's point in the box's [-1, 1]^3 (boxCornerWeights' mapping) and the index of its
    // corner 0 in the box grid; its 8 corners are worked out when a candidate's SDF is read there.
    // The current fused SDF at each sample, from the bakes (resample's float32 sums)
    this.sPts = new Float64Array(n * STEPS * 3);
    this.sCell = new Int32Array(n * STEPS);
    this.nowSamples = new Float32Array(n * STEPS);
    for (let i = 0; i < n; i++) {
      this.through[i] = tOut[i] > tIn[i] ? 1 : 0;
      for (let j = 0; j < STEPS; j++) {
        const q = i * STEPS + j;
        const t = (this.tBox[q] = tIn[i] + (tOut[i] - tIn[i]) * frac[j]);
        const x = o[i * 3] + d[i * 3] * t;
        const y = o[i * 3 + 1] + d[i * 3 + 1] * t;
        const zz = o[i * 3 + 2] + d[i * 3 + 2] * t;
        cornersInto(x, y, zz, bakes.resolution, b, ci, cw, 0);
        this.nowSamples[q] = sampleAt(fused, 0, ci, cw, 0);
        this.toBox(x, y, zz, this.sPts, q * 3);
        this.sCell[q] = cornerCell(this.sPts[q * 3], this.sPts[q * 3 + 1], this.sPts[q * 3 + 2], r, 1.0);
      }
    }
    const k = setup.numRegions;
    const cellsBake = bakes.maskLogit[0].length;
    this.bakeLogits = new Float32Array(cellsBake * k);
    for (let g = 0; g < k; g++) {
      const src = bakes.maskLogit[g];
      for (let p = 0; p < cellsBake; p++) this.bakeLogits[p * k + g] = src[p];
    }
  }

  /** A world point in the box's [-1, 1]^3 (boxCornerWeights' mapping), written at out[at..at + 2]. */
  private toBox(x: number, y: number, z: number, out: Float64Array, at: number): void {
    out[at] = (x - this.centre[0]) / this.half[0];
    out[at + 1] = (y - this.centre[1]) / this.half[1];
    out[at + 2] = (z - this.centre[2]) / this.half[2];
  }

  /** Edited region `which`'s (index into `edited`) z rows of the candidates [n * dims]: [n * zDim]. */
  zRows(candidates: Float64Array, which: number): Float32Array {
    const { z, zDim, edited, slots } = this.setup;
    const e = edited[which];
    const off = slots.slice(0, which).reduce((s, x) => s + x.length, 0);
    const n = candidates.length / this.dims;
    const out = new Float32Array(n * zDim);
    for (let c = 0; c < n; c++) {
      out.set(z.subarray(2 * e * zDim, (2 * e + 1) * zDim), c * zDim);
      slots[which].forEach((s, j) => (out[c * zDim + s] = candidates[c * this.dims + off + j]));
    }
    return out;
  }

  /** The graph's box inputs (float32). */
  get box(): { min: Float32Array; max: Float32Array } {
    return { min: Float32Array.from(this.boxMin), max: Float32Array.from(this.boxMax) };
  }

  /**
   * The proxy's label maps [n][rays] of n candidates, from each edited region's graph
   * outputs (sdf and mask_logit [n, R^3] in `edited` order). Per ray the candidates march in
   * step, each until its first sample with sdf <= 0; a sample where the current SDF exceeds the most
   * any candidate's change can be at its corners is passed over without reading them (exactly the
   * labels of computing every sample: the sample before a hit is computed at the hit). Candidates
   * that hit at the same depth share the hit's corners and bake logits.
   */
  labelsAll(outputs: { sdf: Float32Array; maskLogit: Float32Array }[]): Uint8Array[] {
    const { STEPS } = RESHAPE;
    const { edited, resolution: r, numRegions: k, bakes } = this.setup;
    const cells = r * r * r;
    const batch = outputs[0].sdf.length / cells; // the candidates of this call
    if (!this.currentOut) {
      // candidate 0 of the first call is the current codes
      this.currentOut = outputs.map((o) => ({ sdf: o.sdf.slice(0, cells), maskLogit: o.maskLogit.slice(0, cells) }));
    }
    // each candidate's change from the current codes on the box grid (float32, as numpy subtracts):
    // the mask logit's is read at the hits only (logitChangeAt), the SDF's is kept (below)
    const logitChangeAt = (which: number, c: number, idx: Int32Array, w: Float32Array): number => {
      const g = outputs[which].maskLogit;
      const now = this.currentOut![which].maskLogit;
      const o = c * cells;
      return sum8(
        f32(f32(g[o + idx[0]] - now[idx[0]]) * w[0]), f32(f32(g[o + idx[1]] - now[idx[1]]) * w[1]),
        f32(f32(g[o + idx[2]] - now[idx[2]]) * w[2]), f32(f32(g[o + idx[3]] - now[idx[3]]) * w[3]),
        f32(f32(g[o + idx[4]] - now[idx[4]]) * w[4]), f32(f32(g[o + idx[5]] - now[idx[5]]) * w[5]),
        f32(f32(g[o + idx[6]] - now[idx[6]]) * w[6]), f32(f32(g[o + idx[7]] - now[idx[7]]) * w[7]),
      );
    };
    // scratch grids, kept from call to call
    const n = cells * batch;
    if (!this.scratch || this.scratch.m1.length < n) {
      this.scratch = { dSdf: [], bound: new Float32Array(n), m1: new Float32Array(n), m2: new Float32Array(n), boundAll: new Float32Array(cells) };
    }
    const scratch = this.scratch;
    while (scratch.dSdf.length < outputs.length) scratch.dSdf.push(new Float32Array(scratch.m1.length));
    // the SDF's change interleaved [cells, batch] (a sample's corners hold every candidate's value
    // side by side), and a bound on |change| at a sample's corners: where the current SDF is above
    // it, the candidate's SDF is > 0 for sure and the sample is not computed (the one before a hit
    // is, at the hit: the same float32 sums in the same order, so the same first hit and refinement)
    const dSdf = outputs.map((o, e) => {
      const now = this.currentOut![e].sdf;
      const out = scratch.dSdf[e].subarray(0, n);
      for (let c = 0; c < batch; c++) for (let p = 0; p < cells; p++) out[p * batch + c] = f32(o.sdf[c * cells + p] - now[p]);
      return out;
    });
    // per cell (indexed by its corner 0) and candidate: the most |change| at its 8 corners (a max
    // over x, x + 1, then y, y + 1, then z, z + 1; clamped at the far faces as cornersInto clamps),
    // summed over the edited regions
    const [bound, m1, m2] = [scratch.bound.subarray(0, n), scratch.m1.subarray(0, n), scratch.m2.subarray(0, n)];
    const { boundAll } = scratch;
    bound.fill(0);
    const rb = r * batch;
    const rrb = r * rb;
    for (const g of dSdf) {
      for (let p = 0; p < g.length; p++) m1[p] = Math.abs(g[p]);
      for (let p = 0; p < g.length; p++) m2[p] = (p % rb) + batch < rb ? Math.max(m1[p], m1[p + batch]) : m1[p];
      for (let p = 0; p < g.length; p++) m1[p] = (p % rrb) + rb < rrb ? Math.max(m2[p], m2[p + rb]) : m2[p];
      for (let p = 0; p < g.length; p++) bound[p] += p + rrb < g.length ? Math.max(m1[p], m1[p + rrb]) : m1[p];
    }
    // a sample's 8 float32 products summed in float32 stay within (1 + 2e-6) of the sum of
    // |change| x weight, and the weights sum to 1 within 1e-6: a margin of 1e-3 is ample
    for (let p = 0; p < bound.length; p++) bound[p] = bound[p] * 1.001 + 1e-30;
    boundAll.fill(0); // the most of them over the candidates
    for (let p = 0; p < cells; p++) for (let c = 0; c < batch; c++) boundAll[p] = Math.max(boundAll[p], bound[p * batch + c]);
    const { sPts, sCell } = this;
    const out = Array.from({ length: batch }, () => new Uint8Array(this.rays));
    const point = new Float64Array(3);
    const hi = new Int32Array(8);
    const hw = new Float32Array(8);
    const bi = new Int32Array(8);
    const bw = new Float32Array(8);
    const d1 = new Float64Array(batch);
    const first = new Int32Array(batch);
    const logitOf = Array.from({ length: k }, (_, g) => edited.indexOf(g));
    const lg = new Float64Array(k);
    const { bias } = this;
    const tOf = new Float64Array(batch);
    const hiOf = new Int32Array(batch * 8);
    const hwOf = new Float32Array(batch * 8);
    const lgOf = new Float64Array(batch * k);
    const ci = new Int32Array(8);
    const cw = new Float32Array(8);
    // candidate c's SDF at sample q (ci, cw: q's corners in the box grid; ci scaled by batch for the interleaved grids)
    const sdfAt = (q: number, c: number): number => {
      cornersInto(sPts[q * 3], sPts[q * 3 + 1], sPts[q * 3 + 2], r, 1.0, ci, cw, 0);
      for (let a = 0; a < 8; a++) ci[a] *= batch;
      let v = this.nowSamples[q];
      for (let e = 0; e < dSdf.length; e++) v = f32(v + sampleAt(dSdf[e], c, ci, cw, 0));
      return v;
    };
    for (let i = 0; i < this.rays; i++) {
      if (!this.through[i]) continue; // a ray that misses the box is the background
      first.fill(-1);
      let left = batch;
      for (let j = 0; j < STEPS && left > 0; j++) {
        const q = i * STEPS + j;
        const now = this.nowSamples[q];
        if (now > boundAll[sCell[q]]) continue; // every candidate's SDF > 0 here
        const cell = sCell[q] * batch;
        for (let c = 0; c < batch; c++) {
          if (first[c] >= 0 || now > bound[cell + c]) continue;
          const v = sdfAt(q, c);
          if (v <= 0) {
            first[c] = j;
            d1[c] = v;
            left--;
          }
        }
      }
      for (let c = 0; c < batch; c++) {
        const f = first[c];
        if (f < 0) continue; // a miss is the background
        const q0 = i * STEPS + Math.max(f - 1, 0);
        const t = refine(f > 0 ? sdfAt(q0, c) : d1[c], d1[c], f, this.tBox[q0], this.tBox[i * STEPS + f]);
        // candidates that hit at the same depth (their change is 0 there) share the point's corners and bake logits
        let same = -1;
        for (let c2 = 0; c2 < c && same < 0; c2++) if (first[c2] >= 0 && tOf[c2] === t) same = c2;
        tOf[c] = t;
        if (same >= 0) {
          hi.set(hiOf.subarray(same * 8, same * 8 + 8));
          hw.set(hwOf.subarray(same * 8, same * 8 + 8));
          lg.set(lgOf.subarray(same * k, same * k + k));
        } else {
          const x = this.o[i * 3] + this.d[i * 3] * t;
          const y = this.o[i * 3 + 1] + this.d[i * 3 + 1] * t;
          const zz = this.o[i * 3 + 2] + this.d[i * 3 + 2] * t;
          cornersInto(x, y, zz, bakes.resolution, bakes.bounds, bi, bw, 0); // the bakes' corners of the hit
          this.toBox(x, y, zz, point, 0);
          cornersInto(point[0], point[1], point[2], r, 1.0, hi, hw, 0); // boxCornerWeights of the hit
          sampleAllAt(this.bakeLogits, k, bi, bw, lg);
        }
        hiOf.set(hi, c * 8);
        hwOf.set(hw, c * 8);
        lgOf.set(lg, c * k);
        let best = -Infinity;
        let label = 0;
        for (let g = 0; g < k; g++) {
          const which = logitOf[g];
          let v = lg[g];
          if (which >= 0) v = f32(v + logitChangeAt(which, c, hi, hw));
          if (bias) v = f32(v + bias[g]);
          if (v > best) {
            best = v;
            label = g;
          }
        }
        out[c][i] = label;
      }
    }
    return out;
  }

  /**
   * Mask losses of n candidates (the graph's outputs per edited region, [n, R^3] each). The first
   * call's candidate 0 must be the current codes: its label map is the proxy's "now", and only
   * a candidate's changes from it are applied to the mask the user painted on.
   */
  losses(outputs: { sdf: Float32Array; maskLogit: Float32Array }[]): Float64Array {
    const { edited, numRegions } = this.setup;
    const all = this.labelsAll(outputs);
    const result = new Float64Array(all.length);
    const merged = new Uint8Array(this.rays);
    for (let c = 0; c < all.length; c++) {
      const lab = all[c];
      if (!this.current) this.current = lab;
      for (let i = 0; i < this.rays; i++) merged[i] = lab[i] !== this.current[i] ? lab[i] : this.goalBefore[i];
      result[c] = maskLoss(merged, this.goalPainted, edited, numRegions, RESHAPE.AREA_WEIGHT, this.outside, this.weights);
    }
    return result;
  }
}

// ---- search --------------------------------------------------------------------------------

export interface SearchResult {
  x: Float32Array;
  loss: number;
  loss0: number;
  evaluations: number;
  history: number[]; // best loss after each generation
}

/**
 * search.py's evolution strategy, asked and told one generation at a time:
 * `while (!s.done) s.tell(await evaluate(s.ask()))`, then `s.result()`.
 */
export class EvolutionSearch {
  readonly dims: number;
  readonly batch: number;
  private readonly noise: Float64Array;
  private readonly weights: number[];
  private mean: Float64Array;
  private sigma: number;
  private gen = 0;
  private evaluated = 0;
  private cand: Float64Array | null = null;
  private bestX: Float64Array;
  private bestLoss = Infinity;
  private loss0 = Infinity;
  private readonly history: number[] = [];

  constructor(
    readonly x0: Float64Array,
    readonly cfg: SearchConfig,
  ) {
    const d = (this.dims = x0.length);
    const b = (this.batch = cfg.batch);
    this.noise = normals(cfg.seed, cfg.generations * b * d);
    const mu = Math.floor(b / 2);
    const raw = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
    const total = raw.reduce((s, v) => s + v, 0);
    this.weights = raw.map((v) => v / total);
    this.mean = Float64Array.from(x0);
    this.sigma = cfg.sigma;
    this.bestX = Float64Array.from(x0);
  }

  get generation(): number {
    return this.gen;
  }

  /** The best x's slots that differ from x0 (the parsimony batch puts them back one at a time). */
  private moved(): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.dims; j++) if (this.bestX[j] !== this.x0[j]) out.push(j);
    return out;
  }

  /**
   * The generation after the last one: the parsimony batch (search.py), when it is on and the best x
   * moved two slots or more (with one, putting it back is x0, whose loss is loss0: never taken).
   */
  private get parsimonyBatch(): boolean {
    return this.gen === this.cfg.generations && this.cfg.parsimony > 0 && this.moved().length > 1;
  }

  get done(): boolean {
    return this.gen > this.cfg.generations || (this.gen === this.cfg.generations && !this.parsimonyBatch);
  }

  /**
   * This generation's candidates [batch * dims] (candidate 0 is the mean, the last `compass` step
   * from the best x; clipped to +-clip); after the last generation, the parsimony batch: one
   * candidate per moved slot (at most `batch`).
   */
  ask(): Float64Array {
    if (this.done) throw new Error('the search is over');
    const { dims: d, batch: b } = this;
    const clip = this.cfg.clip;
    if (this.parsimonyBatch) {
      // the best x with one moved slot put back to x0, slot after slot (the first `batch`)
      const moved = this.moved().slice(0, b);
      const back = new Float64Array(moved.length * d);
      moved.forEach((j, c) => {
        back.set(this.bestX, c * d);
        back[c * d + j] = this.x0[j];
      });
      this.cand = clipInPlace(back, clip);
      return back;
    }
    const cand = new Float64Array(b * d);
    for (let c = 0; c < b; c++) {
      for (let j = 0; j < d; j++) cand[c * d + j] = c === 0 ? this.mean[j] : this.mean[j] + this.sigma * this.noise[(this.gen * b + c) * d + j];
    }
    // the last `compass` candidates: one slot of the best x so far moved by +-compass_step * sigma,
    // slot after slot (+ then -), continuing from where the generation before stopped
    const compass = Math.min(this.cfg.compass, b - 1);
    for (let j = 0; j < compass; j++) {
      const q = this.gen * this.cfg.compass + j;
      const c = b - 1 - j;
      cand.set(this.bestX, c * d);
      cand[c * d + (Math.floor(q / 2) % d)] += (q % 2 === 0 ? 1 : -1) * this.cfg.compass_step * this.sigma;
    }
    this.cand = clipInPlace(cand, clip);
    return cand;
  }

  /** The mask losses of the candidates from ask() (the prior is added here). */
  tell(maskLosses: ArrayLike<number>): void {
    const cand = this.cand;
    if (!cand) throw new Error('tell() before ask()');
    const d = this.dims;
    const n = cand.length / d;
    if (maskLosses.length !== n) throw new Error(`tell() got ${maskLosses.length} losses for ${n} candidates`);
    this.evaluated += n;
    const losses = Array.from({ length: n }, (_, c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (cand[c * d + j] - this.x0[j]) ** 2;
      return maskLosses[c] + this.cfg.prior * (s / d);
    });
    if (this.parsimonyBatch) {
      let i = 0;
      for (let c = 1; c < n; c++) if (losses[c] < losses[i]) i = c;
      // never the whole edit undone (below x0's loss)
      if (losses[i] <= this.bestLoss * (1 + this.cfg.parsimony) && losses[i] < this.loss0) {
        this.bestLoss = losses[i];
        this.bestX = cand.slice(i * d, (i + 1) * d);
      }
      this.history.push(this.bestLoss);
      this.cand = null;
      this.gen++;
      return;
    }
    if (this.gen === 0) this.loss0 = losses[0];
    const order = [...losses.keys()].sort((p, q) => losses[p] - losses[q]);
    if (losses[order[0]] < this.bestLoss) {
      this.bestLoss = losses[order[0]];
      this.bestX = cand.slice(order[0] * d, (order[0] + 1) * d);
    }
    this.history.push(this.bestLoss);
    const mean = new Float64Array(d);
    this.weights.forEach((wt, i) => {
      for (let j = 0; j < d; j++) mean[j] += wt * cand[order[i] * d + j];
    });
    this.mean = mean;
    this.sigma *= this.cfg.decay;
    this.cand = null;
    this.gen++;
  }

  result(): SearchResult {
    return {
      x: Float32Array.from(this.bestX),
      loss: this.bestLoss,
      loss0: this.loss0,
      evaluations: this.evaluated,
      history: [...this.history],
    };
  }
}

/** xs kept within [-clip, clip] (in place; returns xs). */
function clipInPlace(xs: Float64Array, clip: number): Float64Array {
  for (let i = 0; i < xs.length; i++) xs[i] = Math.min(Math.max(xs[i], -clip), clip);
  return xs;
}

/** search.py's `search` in one call (for tests and tools without a graph to await). */
export async function runSearch(evaluate: (candidates: Float64Array) => Promise<ArrayLike<number>> | ArrayLike<number>, x0: Float64Array, cfg: SearchConfig): Promise<SearchResult> {
  const s = new EvolutionSearch(x0, cfg);
  while (!s.done) s.tell(await evaluate(s.ask()));
  return s.result();
}
