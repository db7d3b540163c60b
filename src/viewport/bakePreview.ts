/**
 * The bake step of the preview path: `bake_base` with region 0's shape code, `bake` once per
 * region with its shape and texture codes, then the fuse (kernels/fuse.ts) into one RGBA
 * volume the preview shader ray-marches.
 */
import { fuse, type RegionBake } from '../kernels/fuse';
import { parseHexColor } from '../kernels/image';
import type { LoadedModel } from '../model/loader';
import type { Feeds } from '../runtime/tensors';

export interface BakedVolume {
  resolution: number;
  bounds: number; // world units: the grid covers [-bounds, bounds]^3
  /** [R^3 * 4], flat index (iz * R + iy) * R + ix: rgb = sigmoid(c), a = fused SDF. */
  volume: Float32Array;
  /** [R^3 * 4]: semantic color, a = region label. */
  semantic: Float32Array;
}

function codeRow(codes: Float32Array, row: number, dim: number): Float32Array {
  return codes.slice(row * dim, (row + 1) * dim);
}

/**
 * Runs a bake graph over the whole grid: once, or once per slab of `bake.slab` z-planes (the
 * `slab` input), each slab's outputs copied into place (zyx layout: a slab is a contiguous run of
 * the flat arrays). On wasm 8 slabs of the 64^3 grid take about 0.8 times one run of it.
 */
async function runSlabs(model: LoadedModel, graph: 'bake' | 'bake_base', feeds: Feeds, outputs: string[]): Promise<Record<string, Float32Array>> {
  const { resolution: r, slab } = model.manifest.bake;
  if (slab === undefined) {
    const out = await model.graphs[graph].run(feeds);
    return Object.fromEntries(outputs.map((name) => [name, out[name].data as Float32Array]));
  }
  const whole: Record<string, Float32Array> = {};
  for (let s = 0; s < r / slab; s++) {
    const out = await model.graphs[graph].run({ ...feeds, slab: { type: 'int64', dims: [1], data: BigInt64Array.of(BigInt(s)) } });
    for (const name of outputs) {
      const part = out[name].data as Float32Array;
      whole[name] ??= new Float32Array((part.length * r) / slab);
      whole[name].set(part, s * part.length);
    }
  }
  return whole;
}

/** `bake_base`: the base SDF from region 0's shape code. */
export async function bakeBase(model: LoadedModel, codes: Float32Array): Promise<Float32Array> {
  const c = model.manifest.latent.code_dim;
  const base = await runSlabs(model, 'bake_base', { shape_code: { type: 'float32', dims: [1, c], data: codeRow(codes, 0, c) } }, ['sdf']);
  return base.sdf;
}

/** `bake` for region k with its shape and texture codes. */
export async function bakeRegion(model: LoadedModel, codes: Float32Array, k: number): Promise<RegionBake> {
  const c = model.manifest.latent.code_dim;
  const code = (row: number) => ({ type: 'float32' as const, dims: [1, c], data: codeRow(codes, row, c) });
  const out = await runSlabs(model, 'bake', {
    region: { type: 'int64', dims: [1], data: BigInt64Array.of(BigInt(k)) },
    shape_code: code(2 * k),
    texture_code: code(2 * k + 1),
  }, ['sdf', 'mask_logit', 'rgb']);
  return { sdf: out.sdf, maskLogit: out.mask_logit, rgb: out.rgb };
}

/** The fuse of a base SDF and every region's bake into the preview volume. */
export function fuseVolume(model: LoadedModel, baseSdf: Float32Array, baked: RegionBake[]): BakedVolume {
  const { regions, bake, render } = model.manifest;
  const colors = regions.map((r) => parseHexColor(r.color).map((v) => v / 255));
  const fused = fuse(baseSdf, baked, colors, render.mask_activation);
  return { resolution: bake.resolution, bounds: bake.bounds, ...fused };
}

/** The whole bake of one portrait (every region), or null if `isStale()` turned true. */
export async function bakeVolume(model: LoadedModel, codes: Float32Array, isStale: () => boolean): Promise<BakedVolume | null> {
  const base = await bakeBase(model, codes);
  const baked: RegionBake[] = [];
  for (let k = 0; k < model.manifest.regions.length; k++) {
    if (isStale()) return null;
    baked.push(await bakeRegion(model, codes, k));
  }
  if (isStale()) return null;
  return fuseVolume(model, base, baked);
}
