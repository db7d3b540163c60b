/**
 * The final path: the `mapping` graph once per portrait, then the `final` graph over the
 * pixels' rays, tile by tile (`render.tile_rays` rays per run), into an RGBA8 image; with
 * `render.edge_supersample` s > 1, the pixels next to another label are drawn again with s x s
 * rays each (anti-aliasing, as export/facet/evaluate/render.py does).
 */
import { cam2world, pixelRays, rayTBounds, subpixelRays, type Pose } from '../kernels/camera';
import { imageToRgba8, masksToLabels } from '../kernels/image';
import { zFromSeed } from '../kernels/rng';
import { edgePixels, marchDepth, minPool3, surfaceBounds, type SdfGrid } from '../kernels/surface';
import { sliceRows, tilesFor, type Tile } from '../kernels/tiles';
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
  const c2w = cam2world(pose.yaw, pose.pitch, camera.radius);
  const rays = pixelRays(c2w, size, size, camera.fov_deg);
  const tBounds =
    boundsFn && render.surface_margin !== undefined ? await boundsFn(rays.origins, rays.dirs) : rayBounds(model, rays.origins, rays.dirs, surface);
  const rgba = new Uint8Array(size * size * 4);
  const labels = new Uint8Array(size * size);
  const depth = new Float32Array(size * size);
  const k = regions.length;
  const runTile = (origins: Float32Array, dirs: Float32Array, bounds: Float32Array, tile: Tile) =>
    model.graphs.final.run({
      codes: { type: 'float32', dims: [latent.num_codes, latent.code_dim], data: codes },
      ray_origins: { type: 'float32', dims: [n, 3], data: sliceRows(origins, 3, tile, n) },
      ray_dirs: { type: 'float32', dims: [n, 3], data: sliceRows(dirs, 3, tile, n) },
      t_bounds: { type: 'float32', dims: [n, 2], data: sliceRows(bounds, 2, tile, n) },
    });
  let done = 0;
  for (const tile of tilesFor(size * size, n)) {
    if (isStale()) return null;
    const out = await runTile(rays.origins, rays.dirs, tBounds, tile);
    const image = (out.image.data as Float32Array).subarray(0, tile.count * 3);
    rgba.set(imageToRgba8(image), tile.start * 4);
    const masks = (out.masks.data as Float32Array).subarray(0, tile.count * k);
    labels.set(masksToLabels(masks, k), tile.start);
    if (out.depth) depth.set((out.depth.data as Float32Array).subarray(0, tile.count), tile.start);
    done = tile.start + tile.count;
    onTile?.({ pose, width: size, height: size, rgba, labels, depth, done });
  }

  const s = render.edge_supersample ?? 1;
  if (s > 1) {
    // anti-aliasing: the edge pixels again, s x s rays each within the pixel's own t_bounds
    const edges = edgePixels(labels, size, size);
    const per = s * s;
    const count = edges.length * per;
    const sub = subpixelRays(c2w, size, size, camera.fov_deg, edges, s);
    const subBounds = new Float32Array(count * 2);
    edges.forEach((p, e) => {
      for (let j = 0; j < per; j++) subBounds.set(tBounds.subarray(p * 2, p * 2 + 2), (e * per + j) * 2);
    });
    const image = new Float32Array(count * 3);
    const masks = new Float32Array(count * k);
    for (const tile of tilesFor(count, n)) {
      if (isStale()) return null;
      const out = await runTile(sub.origins, sub.dirs, subBounds, tile);
      image.set((out.image.data as Float32Array).subarray(0, tile.count * 3), tile.start * 3);
      masks.set((out.masks.data as Float32Array).subarray(0, tile.count * k), tile.start * k);
    }
    const meanImage = meanRows(image, 3, per);
    const meanLabels = masksToLabels(meanRows(masks, k, per), k);
    const edgeRgba = imageToRgba8(meanImage);
    edges.forEach((p, e) => {
      rgba.set(edgeRgba.subarray(e * 4, e * 4 + 4), p * 4);
      labels[p] = meanLabels[e];
    });
  }
  return { pose, width: size, height: size, rgba, labels, depth, done };
}

/** The mean of each run of `per` rows of a [rows * width] array. */
function meanRows(src: Float32Array, width: number, per: number): Float32Array {
  const groups = src.length / (width * per);
  const out = new Float32Array(groups * width);
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < per; j++) {
      for (let c = 0; c < width; c++) out[g * width + c] += src[(g * per + j) * width + c] / per;
    }
  }
  return out;
}
