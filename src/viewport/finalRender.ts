/**
 * The final path: the `mapping` graph once per portrait, then the `final` graph over the
 * pixels' rays, tile by tile (`render.tile_rays` rays per run), into an RGBA8 image.
 */
import { cam2world, pixelRays, rayTBounds, type Pose } from '../kernels/camera';
import { imageToRgba8, masksToLabels } from '../kernels/image';
import { zFromSeed } from '../kernels/rng';
import { marchDepth, minPool3, surfaceBounds, type SdfGrid } from '../kernels/surface';
import { sliceRows, tilesFor } from '../kernels/tiles';
import type { LoadedModel } from '../model/loader';
import { finalBeta } from '../model/manifest';

export interface FinalImage {
  pose: Pose; // the pose it was rendered for
  width: number;
  height: number;
  rgba: Uint8Array; // row 0 at the top
  labels: Uint8Array; // region index per pixel (argmax of the masks)
  depth: Float32Array; // expected depth per pixel (world units along the ray)
  /** Pixels rendered so far (== width * height when complete); unrendered ones have alpha 0. */
  done: number;
}

/** codes [2K, C] for a seed: z from the shared generator, truncation psi from the manifest. */
export async function mapCodes(model: LoadedModel, seed: number): Promise<Float32Array> {
  const { latent } = model.manifest;
  return mapZ(model, zFromSeed(seed, latent.num_codes, latent.z_dim), latent.truncation_psi);
}

/** codes [2K, C] for a latent z [2K, z_dim] and truncation psi (the `mapping` graph). */
export async function mapZ(model: LoadedModel, z: Float32Array, psi: number): Promise<Float32Array> {
  const { latent } = model.manifest;
  const out = await model.graphs.mapping.run({
    z: { type: 'float32', dims: [latent.num_codes, latent.z_dim], data: z },
    psi: { type: 'float32', dims: [1], data: Float32Array.of(psi) },
  });
  return out.codes.data as Float32Array;
}

/**
 * Each ray's [t0, t1]: around the surface the preview volume locates when the model declares
 * `render.surface_margin` and a volume is at hand, else the whole [near, far].
 */
function rayBounds(model: LoadedModel, origins: Float32Array, dirs: Float32Array, surface: SdfGrid | null): Float32Array {
  const { camera, render } = model.manifest;
  const count = origins.length / 3;
  if (render.surface_margin === undefined || !surface) return rayTBounds(count, camera.near, camera.far);
  const depth = marchDepth(surface, origins, dirs, camera.near, camera.far, finalBeta(render), camera.coord_scale);
  return surfaceBounds(minPool3(depth, render.resolution, render.resolution), depth, camera.near, camera.far, render.surface_margin);
}

/**
 * Renders the final image for a pose; returns null if `isStale()` turned true between tiles.
 * `onTile` sees the image after each tile (the same arrays, filled so far).
 */
export async function renderFinal(
  model: LoadedModel,
  codes: Float32Array,
  pose: Pose,
  isStale: () => boolean,
  surface: SdfGrid | null = null,
  onTile?: (partial: FinalImage) => void,
  /** Computes the rays' t_bounds elsewhere (a worker) instead of from `surface` here. */
  boundsFn?: (origins: Float32Array, dirs: Float32Array) => Promise<Float32Array>,
): Promise<FinalImage | null> {
  const { camera, render, latent, regions } = model.manifest;
  const size = render.resolution;
  const n = render.tile_rays;
  const rays = pixelRays(cam2world(pose.yaw, pose.pitch, camera.radius), size, size, camera.fov_deg);
  const tBounds =
    boundsFn && render.surface_margin !== undefined ? await boundsFn(rays.origins, rays.dirs) : rayBounds(model, rays.origins, rays.dirs, surface);
  const rgba = new Uint8Array(size * size * 4);
  const labels = new Uint8Array(size * size);
  const depth = new Float32Array(size * size);
  let done = 0;
  for (const tile of tilesFor(size * size, n)) {
    if (isStale()) return null;
    const out = await model.graphs.final.run({
      codes: { type: 'float32', dims: [latent.num_codes, latent.code_dim], data: codes },
      ray_origins: { type: 'float32', dims: [n, 3], data: sliceRows(rays.origins, 3, tile, n) },
      ray_dirs: { type: 'float32', dims: [n, 3], data: sliceRows(rays.dirs, 3, tile, n) },
      t_bounds: { type: 'float32', dims: [n, 2], data: sliceRows(tBounds, 2, tile, n) },
    });
    const image = (out.image.data as Float32Array).subarray(0, tile.count * 3);
    rgba.set(imageToRgba8(image), tile.start * 4);
    const masks = (out.masks.data as Float32Array).subarray(0, tile.count * regions.length);
    labels.set(masksToLabels(masks, regions.length), tile.start);
    if (out.depth) depth.set((out.depth.data as Float32Array).subarray(0, tile.count), tile.start);
    done = tile.start + tile.count;
    onTile?.({ pose, width: size, height: size, rgba, labels, depth, done });
  }
  return { pose, width: size, height: size, rgba, labels, depth, done };
}
