/**
 * Fuse per-region baked grids into one volume (docs/model-format.md, "Fuse"); the mirror of
 * facet.model.fuse. Per voxel: d = base_sdf + sum_k sdf_k; m = softmax_k(mask_logit_k) (or the
 * raw logits when mask_activation is "none"); c = sum_k m_k rgb_k; color sigmoid(c);
 * semantic color sum_k m_k color_k; label argmax_k m_k.
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

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Region weights m_k at one voxel, written into `m`. */
function regionWeights(regions: RegionBake[], p: number, activation: MaskActivation, m: Float64Array): void {
  const k = regions.length;
  if (activation === 'none') {
    for (let i = 0; i < k; i++) m[i] = regions[i].maskLogit[p];
    return;
  }
  let max = -Infinity;
  for (let i = 0; i < k; i++) max = Math.max(max, regions[i].maskLogit[p]);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    m[i] = Math.exp(regions[i].maskLogit[p] - max);
    sum += m[i];
  }
  for (let i = 0; i < k; i++) m[i] /= sum;
}

/**
 * `colors` are the regions' display colors as [r, g, b] in [0, 1], in region order.
 */
export function fuse(
  baseSdf: Float32Array,
  regions: RegionBake[],
  colors: readonly (readonly number[])[],
  activation: MaskActivation,
): FusedVolume {
  const count = baseSdf.length;
  const k = regions.length;
  if (colors.length !== k) throw new Error(`fuse: ${k} regions but ${colors.length} colors`);
  for (const r of regions) {
    if (r.sdf.length !== count || r.maskLogit.length !== count || r.rgb.length !== count * 3) {
      throw new Error(`fuse: every region grid must have ${count} voxels`);
    }
  }
  const volume = new Float32Array(count * 4);
  const semantic = new Float32Array(count * 4);
  const m = new Float64Array(k);
  for (let p = 0; p < count; p++) {
    regionWeights(regions, p, activation, m);
    let d = baseSdf[p];
    const c = [0, 0, 0];
    const s = [0, 0, 0];
    let label = 0;
    for (let i = 0; i < k; i++) {
      d += regions[i].sdf[p];
      for (let ch = 0; ch < 3; ch++) {
        c[ch] += m[i] * regions[i].rgb[p * 3 + ch];
        s[ch] += m[i] * colors[i][ch];
      }
      if (m[i] > m[label]) label = i;
    }
    const o = p * 4;
    for (let ch = 0; ch < 3; ch++) {
      volume[o + ch] = sigmoid(c[ch]);
      semantic[o + ch] = s[ch];
    }
    volume[o + 3] = d;
    semantic[o + 3] = label;
  }
  return { volume, semantic };
}
