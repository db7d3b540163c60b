import { describe, expect, it } from 'vitest';
import { edgePixels, marchDepth, minPool3, sampleSdf, surfaceBounds, type SdfGrid } from './surface';

/** A sphere of radius `radius` (SDF in network units = world x scale) on an R^3 grid. */
function sphereGrid(r: number, bounds: number, radius: number, scale: number): SdfGrid {
  const volume = new Float32Array(r * r * r * 4);
  const c = (i: number) => -bounds + ((i + 0.5) * 2 * bounds) / r;
  for (let iz = 0; iz < r; iz++)
    for (let iy = 0; iy < r; iy++)
      for (let ix = 0; ix < r; ix++) volume[((iz * r + iy) * r + ix) * 4 + 3] = (Math.hypot(c(ix), c(iy), c(iz)) - radius) * scale;
  return { volume, resolution: r, bounds };
}

describe('surface', () => {
  const grid = sphereGrid(32, 0.15, 0.08, 8);

  it('samples the grid trilinearly (exact for a linear field) and clamps outside it', () => {
    const r = 4;
    const volume = new Float32Array(r * r * r * 4);
    const c = (i: number) => -1 + ((i + 0.5) * 2) / r;
    for (let iz = 0; iz < r; iz++)
      for (let iy = 0; iy < r; iy++)
        for (let ix = 0; ix < r; ix++) volume[((iz * r + iy) * r + ix) * 4 + 3] = c(ix) + 2 * c(iy) - c(iz);
    const linear = { volume, resolution: r, bounds: 1 };
    expect(sampleSdf(linear, 0.1, -0.2, 0.3)).toBeCloseTo(0.1 - 0.4 - 0.3, 6);
    expect(sampleSdf(linear, 5, 0, 0)).toBeCloseTo(0.75, 6); // the edge voxel centre
    expect(sampleSdf(grid, 0.1, 0, 0)).toBeCloseTo(0.16, 1);
  });

  it('finds the sphere along a central ray and the far end for a miss', () => {
    const origins = Float32Array.from([0, 0, 1, 0.5, 0, 1]);
    const dirs = Float32Array.from([0, 0, -1, 0, 0, -1]);
    const depth = marchDepth(grid, origins, dirs, 0.85, 1.15, 0.01, 2 / 0.3, 64);
    expect(Math.abs(depth[0] - 0.92)).toBeLessThan(0.012); // 1 - radius, within two samples
    expect(depth[1]).toBeCloseTo(1.15, 2);
  });

  it('pools to the nearer neighbour', () => {
    const d = Float32Array.from([5, 5, 5, 5, 1, 5, 5, 5, 5]);
    expect(Array.from(minPool3(d, 3, 3))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(minPool3(Float32Array.from([1, 2, 3, 4]), 4, 1))).toEqual([1, 1, 2, 3]);
  });

  it('clamps bounds to [near, far], keeping the far end for background rays', () => {
    const b = surfaceBounds(Float32Array.from([1.0, 1.15]), Float32Array.from([1.0, 1.15]), 0.85, 1.15, 0.02);
    expect(b[0]).toBeCloseTo(0.98);
    expect(b[1]).toBeCloseTo(1.02);
    expect(b[2]).toBeCloseTo(1.13);
    expect(b[3]).toBeCloseTo(1.15);
    const edge = surfaceBounds(Float32Array.from([0.8]), Float32Array.from([0.8]), 0.85, 1.15, 0.02);
    expect(edge[1] - edge[0]).toBeGreaterThan(0);
    // a silhouette ray (its own depth far behind its neighbour's) reaches the far end
    const sil = surfaceBounds(Float32Array.from([1.0]), Float32Array.from([1.15]), 0.85, 1.15, 0.02);
    expect(sil[0]).toBeCloseTo(0.98);
    expect(sil[1]).toBeCloseTo(1.15);
  });
});

describe('edgePixels', () => {
  it('lists the pixels with another label among their 8 neighbours (image borders included)', () => {
    const labels = new Uint8Array(25);
    labels[12] = 3; // the centre of a 5 x 5 image
    const want = [6, 7, 8, 11, 12, 13, 16, 17, 18];
    expect(Array.from(edgePixels(labels, 5, 5))).toEqual(want);
    labels[0] = 1; // a corner: its three neighbours and itself
    expect(Array.from(edgePixels(labels, 5, 5))).toEqual([0, 1, 5, ...want]);
    expect(edgePixels(new Uint8Array(16).fill(2), 4, 4).length).toBe(0);
  });
});
