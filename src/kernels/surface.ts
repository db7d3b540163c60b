/**
 * Where the surface is, from the fused baked volume: the final render samples each ray only
 * around it (docs/model-format.md, "Final render: samples where the surface is"; mirrored from
 * facet.evaluate.render: expected depth of a uniform march, nearer-of-neighbours pooling, then
 * [depth - m, depth + m] clamped to [near, far]).
 */

export interface SdfGrid {
  /** [R^3 * 4] with the fused SDF (network units) in channel 3, flat index (iz * R + iy) * R + ix. */
  volume: Float32Array;
  resolution: number;
  bounds: number; // world units
}

/** Trilinear SDF at a world point; points outside the grid read its edge (clamp to edge). */
export function sampleSdf(grid: SdfGrid, x: number, y: number, z: number): number {
  const r = grid.resolution;
  const cell = (v: number) => Math.min(r - 1, Math.max(0, ((v + grid.bounds) / (2 * grid.bounds)) * r - 0.5));
  const [fx, fy, fz] = [cell(x), cell(y), cell(z)];
  const [x0, y0, z0] = [Math.floor(fx), Math.floor(fy), Math.floor(fz)];
  const [x1, y1, z1] = [Math.min(x0 + 1, r - 1), Math.min(y0 + 1, r - 1), Math.min(z0 + 1, r - 1)];
  const [tx, ty, tz] = [fx - x0, fy - y0, fz - z0];
  const at = (ix: number, iy: number, iz: number) => grid.volume[((iz * r + iy) * r + ix) * 4 + 3];
  const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
  const plane = (iz: number) => lerp(lerp(at(x0, y0, iz), at(x1, y0, iz), tx), lerp(at(x0, y1, iz), at(x1, y1, iz), tx), ty);
  return lerp(plane(z0), plane(z1), tz);
}

/** Expected depth sum w_i t_i of each ray over [near, far] (last sample opaque), [count]. */
export function marchDepth(
  grid: SdfGrid,
  origins: Float32Array,
  dirs: Float32Array,
  near: number,
  far: number,
  beta: number,
  coordScale: number,
  samples = 32,
): Float32Array {
  const count = origins.length / 3;
  const out = new Float32Array(count);
  const delta = (far - near) / (samples - 1);
  const opticalStep = delta * coordScale; // sigma is per network unit, like the SDF and beta
  for (let ray = 0; ray < count; ray++) {
    const o = ray * 3;
    let transmittance = 1;
    let depth = 0;
    for (let i = 0; i < samples; i++) {
      const t = near + delta * i;
      let alpha = 1;
      if (i < samples - 1) {
        const d = sampleSdf(grid, origins[o] + dirs[o] * t, origins[o + 1] + dirs[o + 1] * t, origins[o + 2] + dirs[o + 2] * t);
        const sigma = 1 / (1 + Math.exp(d / beta)) / beta;
        alpha = 1 - Math.exp(-sigma * opticalStep);
      }
      depth += transmittance * alpha * t;
      transmittance *= 1 - alpha;
      if (transmittance < 1e-4) break;
    }
    out[ray] = depth;
  }
  return out;
}

/**
 * Row-major indices of the pixels with a differently labelled pixel among their 8 neighbours: the
 * pixels the final render draws again with several rays each (export/facet/evaluate/render.py
 * edge_pixels).
 */
export function edgePixels(labels: Uint8Array, width: number, height: number): Int32Array {
  const out: number[] = [];
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const l = labels[row * width + col];
      let edge = false;
      for (let dy = -1; dy <= 1 && !edge; dy++) {
        const r = row + dy;
        if (r < 0 || r >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const c = col + dx;
          if (c >= 0 && c < width && labels[r * width + c] !== l) {
            edge = true;
            break;
          }
        }
      }
      if (edge) out.push(row * width + col);
    }
  }
  return Int32Array.from(out);
}

/** The nearer of each pixel's 3x3 neighbours, so silhouette edges are not missed. */
export function minPool3(depth: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(depth.length);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      let m = Infinity;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const r = row + dy;
          const c = col + dx;
          if (r >= 0 && r < height && c >= 0 && c < width) m = Math.min(m, depth[r * width + c]);
        }
      }
      out[row * width + col] = m;
    }
  }
  return out;
}

/**
 * t_bounds [count * 2]: [near - m, near + m] around `nearest` (the 3x3-pooled depth), clamped to
 * [near, far]; background rays keep their far end. A silhouette ray (its own depth is more than
 * 2m behind its nearest neighbour's) samples from that surface to the far end, so its opaque last
 * sample draws the background instead of a halo.
 */
export function surfaceBounds(nearest: Float32Array, own: Float32Array, near: number, far: number, margin: number): Float32Array {
  const out = new Float32Array(nearest.length * 2);
  const clamp = (v: number) => Math.min(far, Math.max(near, v));
  nearest.forEach((d, i) => {
    const t1 = own[i] - d > 2 * margin ? far : clamp(d + margin);
    out[i * 2] = Math.min(clamp(d - margin), t1 - 1e-3);
    out[i * 2 + 1] = t1;
  });
  return out;
}
