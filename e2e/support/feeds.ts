// Deterministic inputs for running a graph directly, built from the manifest's declared input
// shapes: seeded floats in sensible ranges, a region index, psi, and real camera rays.
import { cam2world, pixelRays, rayTBounds } from '../../src/kernels/camera';
import { mulberry32, normals } from '../../src/kernels/rng';
import type { Feed } from './facetApi';
import type { Manifest, TensorSpec } from './models';

export interface FeedOptions {
  seed: number;
  yaw: number; // radians
  pitch: number; // radians
  psi: number;
  region: number;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = { seed: 1234, yaw: 0.2, pitch: -0.1, psi: 0.7, region: 3 };

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A stable per-input seed, so adding an input to a graph does not change the others' values. */
function inputSeed(seed: number, graph: string, input: string): number {
  let h = seed >>> 0;
  for (const ch of `${graph}/${input}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** `count` rays from the middle of the manifest's final image at the given pose, flat [count * 3] each. */
function centreRays(manifest: Manifest, opts: FeedOptions, count: number): { origins: number[]; dirs: number[] } {
  const { camera, render } = manifest;
  const res = render.resolution;
  const rays = pixelRays(cam2world(opts.yaw, opts.pitch, camera.radius), res, res, camera.fov_deg);
  const total = res * res;
  const first = Math.max(0, Math.floor((total - count) / 2));
  const origins: number[] = [];
  const dirs: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = (first + i) % total;
    for (let k = 0; k < 3; k++) {
      origins.push(rays.origins[p * 3 + k]);
      dirs.push(rays.dirs[p * 3 + k]);
    }
  }
  return { origins, dirs };
}

function feedFor(manifest: Manifest, graph: string, input: TensorSpec, opts: FeedOptions): Feed {
  const { name, shape, dtype } = input;
  const n = size(shape);
  const dims = [...shape];
  if (dtype === 'int64') {
    const region = Math.min(opts.region, manifest.regions.length - 1);
    // the bakes' second slab, where there is one: slab 0 would not show a wrong offset
    const slab = manifest.bake.slab && manifest.bake.resolution > manifest.bake.slab ? 1 : 0;
    return { type: 'int64', dims, data: new Array<number>(n).fill(name === 'region' ? region : name === 'slab' ? slab : 0) };
  }
  if (dtype !== 'float32') throw new Error(`graph ${graph} input ${name}: no test values for dtype ${dtype}`);
  if (name === 'psi') return { type: 'float32', dims, data: new Array<number>(n).fill(opts.psi) };
  if (name === 'ray_origins' || name === 'ray_dirs') {
    const rays = centreRays(manifest, opts, n / 3);
    return { type: 'float32', dims, data: name === 'ray_origins' ? rays.origins : rays.dirs };
  }
  if (name === 't_bounds') {
    return { type: 'float32', dims, data: Array.from(rayTBounds(n / 2, manifest.camera.near, manifest.camera.far)) };
  }
  const seed = inputSeed(opts.seed, graph, name);
  // z is drawn from N(0, I) like a real latent; codes and anything else uniformly in [-1, 1].
  if (name === 'z') return { type: 'float32', dims, data: Array.from(normals(seed, n), (v) => Math.fround(v)) };
  const next = mulberry32(seed);
  return { type: 'float32', dims, data: Array.from({ length: n }, () => Math.fround(next() * 2 - 1)) };
}

/** Feeds for every declared input of `graph`. */
export function buildFeeds(manifest: Manifest, graph: string, opts: FeedOptions = DEFAULT_FEED_OPTIONS): Record<string, Feed> {
  const spec = manifest.graphs[graph];
  if (!spec) throw new Error(`manifest ${manifest.id} declares no graph "${graph}"`);
  return Object.fromEntries(spec.inputs.map((input) => [input.name, feedFor(manifest, graph, input, opts)]));
}
