import { describe, expect, it } from 'vitest';
import { cam2world, cameraPosition, clampPose, lookAt, pixelRays, rayTBounds, subpixelRays } from './camera';
import { readFixture } from '../testing/fixtures';

interface CameraCase {
  yaw: number;
  pitch: number;
  width: number;
  height: number;
  fov_deg: number;
  radius?: number;
  cam2world: number[][];
  pixels: { col: number; row: number; origin: number[]; dir: number[] }[];
}

describe('camera', () => {
  it('puts yaw 0, pitch 0 on +z looking at the origin', () => {
    const p = cameraPosition(0, 0, 2);
    expect(p[0]).toBeCloseTo(0);
    expect(p[1]).toBeCloseTo(0);
    expect(p[2]).toBeCloseTo(2);
    const m = lookAt(p);
    // Row-major: the camera's z axis (column 2) points from the origin to the camera.
    expect([m[2], m[6], m[10]]).toEqual([0, 0, 1]);
    expect([m[3], m[7], m[11], m[15]]).toEqual([0, 0, 2, 1]);
  });

  it('yaw turns towards +x and pitch towards +y', () => {
    const p = cameraPosition(Math.PI / 2, 0);
    expect(p[0]).toBeCloseTo(1);
    expect(cameraPosition(0, Math.PI / 2)[1]).toBeCloseTo(1);
  });

  it('makes the centre ray point at the origin and rays unit length', () => {
    const m = cam2world(0.3, -0.2, 1.5);
    const { origins, dirs } = pixelRays(m, 4, 4, 12);
    for (let p = 0; p < 16; p++) {
      const d = dirs.subarray(p * 3, p * 3 + 3);
      expect(Math.hypot(d[0], d[1], d[2])).toBeCloseTo(1, 6);
    }
    // The average of the four central rays points at the origin.
    const c = [0, 0, 0];
    for (const p of [5, 6, 9, 10]) for (let r = 0; r < 3; r++) c[r] += dirs[p * 3 + r];
    const n = Math.hypot(c[0], c[1], c[2]);
    const o = [origins[0], origins[1], origins[2]];
    const on = Math.hypot(o[0], o[1], o[2]);
    for (let r = 0; r < 3; r++) expect(c[r] / n).toBeCloseTo(-o[r] / on, 5);
  });

  it('row 0 is the top of the image and col 0 the left', () => {
    const { dirs } = pixelRays(cam2world(0, 0), 2, 2, 30);
    expect(dirs[1]).toBeGreaterThan(0); // top-left looks up
    expect(dirs[0]).toBeLessThan(0); // and left (-x when looking along -z from +z)
  });

  it('clamps a pose to the manifest range', () => {
    const range = { yaw_range_deg: [-60, 60], pitch_range_deg: [-25, 25] };
    const pose = clampPose({ yaw: 2, pitch: -1 }, range);
    expect(pose.yaw).toBeCloseTo(Math.PI / 3);
    expect(pose.pitch).toBeCloseTo((-25 * Math.PI) / 180);
    expect(clampPose({ yaw: 0.1, pitch: 0.2 }, range)).toEqual({ yaw: 0.1, pitch: 0.2 });
  });

  it('fills t bounds per ray', () => {
    expect(Array.from(rayTBounds(2, 0.5, 1.5))).toEqual([0.5, 1.5, 0.5, 1.5]);
  });
});

const fixture = readFixture<{ spec: { radius?: number }; cases: CameraCase[] }>('camera-cases.json');

describe.skipIf(!fixture)('camera matches e2e/fixtures/camera-cases.json (Python)', () => {
  it.each(fixture?.cases ?? [])('yaw $yaw pitch $pitch $width x $height', (c) => {
    const radius = c.radius ?? fixture?.spec.radius ?? 1;
    const m = cam2world(c.yaw, c.pitch, radius);
    c.cam2world.flat().forEach((v, i) => expect(Math.abs(m[i] - v)).toBeLessThan(1e-5));
    const { origins, dirs } = pixelRays(m, c.width, c.height, c.fov_deg);
    for (const px of c.pixels) {
      const o = (px.row * c.width + px.col) * 3;
      for (let r = 0; r < 3; r++) {
        expect(Math.abs(origins[o + r] - px.origin[r])).toBeLessThan(1e-5);
        expect(Math.abs(dirs[o + r] - px.dir[r])).toBeLessThan(1e-5);
      }
    }
  });
});

describe('subpixelRays', () => {
  it('gives each pixel the rays of the s x s pixels of an s-times finer image inside it', () => {
    const c2w = cam2world(0.4, -0.2, 1.2);
    const [w, h, s] = [6, 4, 2];
    const pixels = Int32Array.of(0, 7, 23, 14);
    const sub = subpixelRays(c2w, w, h, 12, pixels, s);
    const fine = pixelRays(c2w, w * s, h * s, 12);
    expect(sub.dirs.length).toBe(pixels.length * s * s * 3);
    pixels.forEach((p, k) => {
      const [row, col] = [Math.floor(p / w), p % w];
      for (let a = 0; a < s; a++) {
        for (let b = 0; b < s; b++) {
          const f = ((row * s + a) * w * s + col * s + b) * 3;
          const r = (k * s * s + a * s + b) * 3;
          for (let c = 0; c < 3; c++) {
            expect(sub.dirs[r + c]).toBeCloseTo(fine.dirs[f + c], 6);
            expect(sub.origins[r + c]).toBeCloseTo(fine.origins[f + c], 6);
          }
        }
      }
    });
  });
});
