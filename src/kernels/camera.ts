/**
 * The camera convention (CNeRF's), mirrored from export/facet/camera.py.
 *
 * The camera sits at (cos(pitch) sin(yaw), sin(pitch), cos(pitch) cos(yaw)) * radius and
 * looks at the origin with +y up. Camera space is OpenGL-like (x right, y up, looking
 * along -z); `fovDeg` is the full vertical field of view; pixel (col i, row j) has its centre
 * at (i + 0.5, j + 0.5), row 0 at the top. Matrices here are ROW-MAJOR: m[r * 4 + c], so
 * column c of the camera-to-world matrix is m[c], m[4 + c], m[8 + c] (x, y, z axes, centre).
 */

export type Vec3 = [number, number, number];
/** 4x4 matrix, row-major: element (row r, column c) at index r * 4 + c. */
export type Mat4 = number[];

export interface Pose {
  yaw: number; // radians
  pitch: number; // radians
}

export interface PoseRange {
  yaw_range_deg: number[];
  pitch_range_deg: number[];
}

export interface Rays {
  origins: Float32Array; // [height * width * 3]
  dirs: Float32Array; // [height * width * 3], unit length
}

export function cameraPosition(yaw: number, pitch: number, radius = 1): Vec3 {
  const c = Math.cos(pitch);
  return [c * Math.sin(yaw) * radius, Math.sin(pitch) * radius, c * Math.cos(yaw) * radius];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Camera-to-world matrix (row-major) looking at the origin from `position`. */
export function lookAt(position: Vec3): Mat4 {
  const z = normalize(position);
  const x = normalize(cross([0, 1, 0], z));
  const y = cross(z, x);
  return [
    x[0], y[0], z[0], position[0],
    x[1], y[1], z[1], position[1],
    x[2], y[2], z[2], position[2],
    0, 0, 0, 1,
  ];
}

export function cam2world(yaw: number, pitch: number, radius = 1): Mat4 {
  return lookAt(cameraPosition(yaw, pitch, radius));
}

/** The unit camera-space direction through the centre of pixel (col, row) of a width x height image into out[o..o+2]. */
function cameraDirInto(col: number, row: number, width: number, height: number, tanHalf: number, out: Float64Array, o: number): void {
  const i = ((col + 0.5) / width) * 2 - 1;
  const j = ((row + 0.5) / height) * 2 - 1;
  const dx = i * tanHalf * (width / height);
  const dy = -j * tanHalf;
  const n = Math.hypot(dx, dy, 1);
  out[o] = dx / n;
  out[o + 1] = dy / n;
  out[o + 2] = -1 / n;
}

/** Unit directions in camera space, [height * width * 3] float64, row-major from the top-left. */
export function cameraDirs(width: number, height: number, fovDeg: number): Float64Array {
  const t = Math.tan((fovDeg * Math.PI) / 180 / 2);
  const out = new Float64Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) cameraDirInto(col, row, width, height, t, out, (row * width + col) * 3);
  }
  return out;
}

/** Camera-space directions [count * 3] -> world-space rays from the camera's position. */
function toWorld(c2w: Mat4, dCam: Float64Array): Rays {
  const count = dCam.length / 3;
  const origins = new Float32Array(count * 3);
  const dirs = new Float32Array(count * 3);
  for (let p = 0; p < count; p++) {
    const o = p * 3;
    for (let r = 0; r < 3; r++) {
      dirs[o + r] = c2w[r * 4] * dCam[o] + c2w[r * 4 + 1] * dCam[o + 1] + c2w[r * 4 + 2] * dCam[o + 2];
      origins[o + r] = c2w[r * 4 + 3];
    }
  }
  return { origins, dirs };
}

/** World-space ray origins and unit directions for every pixel, computed in float64. */
export function pixelRays(c2w: Mat4, width: number, height: number, fovDeg: number): Rays {
  return toWorld(c2w, cameraDirs(width, height, fovDeg));
}

/**
 * The s x s rays of each of `pixels` (row-major indices into a width x height image): the rays of
 * the pixels of a (width * s) x (height * s) image that lie inside it, pixel-major, each pixel's
 * rays row-major. Mirrored by export/facet/evaluate/render.py subpixel_rays.
 */
export function subpixelRays(c2w: Mat4, width: number, height: number, fovDeg: number, pixels: Int32Array, s: number): Rays {
  const t = Math.tan((fovDeg * Math.PI) / 180 / 2);
  const dCam = new Float64Array(pixels.length * s * s * 3);
  let ray = 0;
  for (const p of pixels) {
    const row = Math.floor(p / width);
    const col = p - row * width;
    for (let a = 0; a < s; a++) {
      for (let b = 0; b < s; b++, ray++) cameraDirInto(col * s + b, row * s + a, width * s, height * s, t, dCam, ray * 3);
    }
  }
  return toWorld(c2w, dCam);
}

const DEG = Math.PI / 180;

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Clamp a pose (radians) to the manifest's yaw/pitch range (degrees). */
export function clampPose(pose: Pose, range: PoseRange): Pose {
  const [y0, y1] = range.yaw_range_deg;
  const [p0, p1] = range.pitch_range_deg;
  return {
    yaw: clamp(pose.yaw, y0 * DEG, y1 * DEG),
    pitch: clamp(pose.pitch, p0 * DEG, p1 * DEG),
  };
}

/** Per-ray [near, far] for `count` rays, [count * 2]. */
export function rayTBounds(count: number, near: number, far: number): Float32Array {
  const out = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    out[i * 2] = near;
    out[i * 2 + 1] = far;
  }
  return out;
}
