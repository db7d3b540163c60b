/**
 * Fuse per-region baked grids into one volume (docs/model-format.md, "Fuse"); the mirror of
 * facet.model.fuse. Per voxel: d = base_sdf + sum_k sdf_k; m = softmax_k(mask_logit_k) (or the
 * raw logits when mask_activation is "none"); c = sum_k m_k rgb_k; color sigmoid(c);
 * semantic color sum_k m_k color_k; label argmax_k m_k.
 *
 * An edit usually changes one region. `FuseState` keeps, per voxel, the sums a softmax fuse is
 * made of (largest logit M and its region, sum_k e_k with e_k = exp(logit_k - M), sum_k e_k rgb_k,
 * sum_k e_k color_k, d), so `updateRegion` swaps one region's terms in and out instead of
 * re-fusing every region: the voxels where the region weighs nothing before and after (under
 * NEGLIGIBLE) only get their SDF updated. A voxel whose largest logit was the edited
 * region's and went down is re-fused from every region (another region may now be the largest).
 */

export interface RegionBake {
  sdf: Float32Array; // [P]
  maskLogit: Float32Array; // [P]
  rgb: Float32Array; // [P * 3] color logits
}

export type MaskActivation = 'softmax' | 'none';

export interface FusedVolume {
  /** [P * 4]: rgb = sigmoid(c), a = fused SDF d (network units). */
  volume: Float32Array;
  /** [P * 4]: rgb = sum_k m_k color_k, a = label argmax_k m_k. */
  semantic: Float32Array;
}

/** A fuse with its per-voxel sums (softmax: sum is sum_k e_k; "none": 1, the weights are the logits). */
export interface FuseState extends FusedVolume {
  activation: MaskActivation;
  base: Float32Array;
  regions: RegionBake[];
  colors: Float64Array; // [K * 3]
  max: Float32Array; // [P] largest logit
  label: Uint8Array; // [P] its region (the first one on ties)
  sum: Float64Array; // [P]
  c: Float64Array; // [P * 3]
  s: Float64Array; // [P * 3]
  d: Float64Array; // [P]
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Softmax terms whose logit is this far under the largest weigh under 6e-6 against it (which
 * weighs 1) and are left out: most voxels have only one or two regions above it, so the fuse does
 * a fraction of the exps. Measured on facet-default's bakes against the exact sum: colors differ
 * by at most 9e-6, semantic colors by 2e-5 (the preview shows 8-bit colors), labels and SDF not at all.
 * `updateRegion` keeps a term it has summed when its region's logit later falls under NEGLIGIBLE
 * against a new largest one (rescaled, not dropped), where a full fuse leaves it out: the two then
 * differ by at most exp(NEGLIGIBLE) of the weight per such region, the same size as the cut itself.
 */
export const NEGLIGIBLE = -12;

function checkBake(count: number, r: RegionBake): void {
  if (r.sdf.length !== count || r.maskLogit.length !== count || r.rgb.length !== count * 3) {
    throw new Error(`fuse: every region grid must have ${count} voxels`);
  }
}

/** Writes voxel p's outputs from its sums. */
function emit(st: FuseState, p: number): void {
  const inv = 1 / st.sum[p];
  const q = p * 3, o = p * 4;
  st.volume[o] = sigmoid(st.c[q] * inv);
  st.volume[o + 1] = sigmoid(st.c[q + 1] * inv);
  st.volume[o + 2] = sigmoid(st.c[q + 2] * inv);
  st.volume[o + 3] = st.d[p];
  st.semantic[o] = st.s[q] * inv;
  st.semantic[o + 1] = st.s[q + 1] * inv;
  st.semantic[o + 2] = st.s[q + 2] * inv;
  st.semantic[o + 3] = st.label[p];
}

/** Voxel p's sums from every region (and its outputs). */
function fuseVoxel(st: FuseState, p: number): void {
  const { regions, colors } = st;
  const k = regions.length;
  const softmax = st.activation === 'softmax';
  let max = -Infinity;
  let label = 0;
  for (let i = 0; i < k; i++) {
    const l = regions[i].maskLogit[p];
    if (l > max) {
      max = l;
      label = i;
    }
  }
  const q = p * 3;
  let d = st.base[p];
  let sum = 0, c0 = 0, c1 = 0, c2 = 0, s0 = 0, s1 = 0, s2 = 0;
  for (let i = 0; i < k; i++) {
    const r = regions[i];
    d += r.sdf[p];
    const z = r.maskLogit[p] - max;
    if (softmax && z < NEGLIGIBLE) continue;
    const w = softmax ? Math.exp(z) : r.maskLogit[p];
    const j = i * 3;
    sum += w;
    c0 += w * r.rgb[q];
    c1 += w * r.rgb[q + 1];
    c2 += w * r.rgb[q + 2];
    s0 += w * colors[j];
    s1 += w * colors[j + 1];
    s2 += w * colors[j + 2];
  }
  st.max[p] = max;
  st.label[p] = label;
  st.sum[p] = softmax ? sum : 1;
  st.c[q] = c0;
  st.c[q + 1] = c1;
  st.c[q + 2] = c2;
  st.s[q] = s0;
  st.s[q + 1] = s1;
  st.s[q + 2] = s2;
  st.d[p] = d;
  emit(st, p);
}

/** The full fuse, keeping the sums for `updateRegion`. `colors`: display colors [r, g, b] in [0, 1]. */
export function fuseState(
  baseSdf: Float32Array,
  regions: RegionBake[],
  colors: readonly (readonly number[])[],
  activation: MaskActivation,
): FuseState {
  const count = baseSdf.length;
  const k = regions.length;
  if (colors.length !== k) throw new Error(`fuse: ${k} regions but ${colors.length} colors`);
  if (k > 255) throw new Error(`fuse: at most 255 regions, got ${k}`);
  for (const r of regions) checkBake(count, r);
  const st: FuseState = {
    activation, base: baseSdf, regions: [...regions], colors: Float64Array.from(colors.flatMap((c) => [c[0], c[1], c[2]])),
    max: new Float32Array(count), label: new Uint8Array(count), sum: new Float64Array(count),
    c: new Float64Array(count * 3), s: new Float64Array(count * 3), d: new Float64Array(count),
    volume: new Float32Array(count * 4), semantic: new Float32Array(count * 4),
  };
  for (let p = 0; p < count; p++) fuseVoxel(st, p);
  return st;
}

/** The fused volume of a base SDF and every region's bake. */
export function fuse(
  baseSdf: Float32Array,
  regions: RegionBake[],
  colors: readonly (readonly number[])[],
  activation: MaskActivation,
): FusedVolume {
  const { volume, semantic } = fuseState(baseSdf, regions, colors, activation);
  return { volume, semantic };
}

/** Replaces the base SDF (in place): only d changes. */
export function updateBase(st: FuseState, base: Float32Array): void {
  if (base.length !== st.base.length) throw new Error(`fuse: the base grid must have ${st.base.length} voxels`);
  const old = st.base;
  for (let p = 0; p < base.length; p++) {
    st.d[p] += base[p] - old[p];
    st.volume[p * 4 + 3] = st.d[p];
  }
  st.base = base;
}

/** Replaces region k's bake (in place), touching only what its terms change. */
export function updateRegion(st: FuseState, k: number, bake: RegionBake): void {
  const count = st.base.length;
  if (k < 0 || k >= st.regions.length) throw new Error(`fuse: no region ${k}`);
  checkBake(count, bake);
  const old = st.regions[k];
  st.regions[k] = bake;
  if (st.activation !== 'softmax') {
    for (let p = 0; p < count; p++) fuseVoxel(st, p);
    return;
  }
  const j = k * 3;
  const ck0 = st.colors[j], ck1 = st.colors[j + 1], ck2 = st.colors[j + 2];
  const { d, max: maxs, label, sum: sums, c, s, volume } = st;
  const oldSdf = old.sdf, oldLogit = old.maskLogit, oldRgb = old.rgb;
  const newSdf = bake.sdf, newLogit = bake.maskLogit, newRgb = bake.rgb;
  for (let p = 0; p < count; p++) {
    d[p] += newSdf[p] - oldSdf[p];
    const lOld = oldLogit[p], lNew = newLogit[p];
    let max = maxs[p];
    const wasLargest = label[p] === k;
    if (wasLargest && lNew < lOld) {
      fuseVoxel(st, p); // another region may be the largest now
      continue;
    }
    const zOld = lOld - max, zNew = lNew - max;
    if (zOld < NEGLIGIBLE && zNew < NEGLIGIBLE) {
      volume[p * 4 + 3] = d[p];
      continue;
    }
    const q = p * 3;
    let sum = sums[p], c0 = c[q], c1 = c[q + 1], c2 = c[q + 2], s0 = s[q], s1 = s[q + 1], s2 = s[q + 2];
    if (zOld >= NEGLIGIBLE) {
      const w = Math.exp(zOld);
      sum -= w;
      c0 -= w * oldRgb[q];
      c1 -= w * oldRgb[q + 1];
      c2 -= w * oldRgb[q + 2];
      s0 -= w * ck0;
      s1 -= w * ck1;
      s2 -= w * ck2;
    }
    if (lNew > max || (lNew === max && k < label[p]) || wasLargest) {
      // k is (still) the largest: rescale every other term to the new largest logit
      const f = Math.exp(max - lNew);
      sum *= f;
      c0 *= f;
      c1 *= f;
      c2 *= f;
      s0 *= f;
      s1 *= f;
      s2 *= f;
      max = lNew;
      maxs[p] = lNew;
      label[p] = k;
    }
    const z = lNew - max;
    if (z >= NEGLIGIBLE) {
      const w = Math.exp(z);
      sum += w;
      c0 += w * newRgb[q];
      c1 += w * newRgb[q + 1];
      c2 += w * newRgb[q + 2];
      s0 += w * ck0;
      s1 += w * ck1;
      s2 += w * ck2;
    }
    sums[p] = sum;
    c[q] = c0;
    c[q + 1] = c1;
    c[q + 2] = c2;
    s[q] = s0;
    s[q + 1] = s1;
    s[q + 2] = s2;
    emit(st, p);
  }
}
