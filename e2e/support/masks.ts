// Region masks from label maps, dilation, and pixel comparisons restricted to a mask.

/** Pixels whose label is `region`. */
export function regionMask(labels: ArrayLike<number>, region: number): Uint8Array {
  return Uint8Array.from(labels, (l) => (l === region ? 1 : 0));
}

export function union(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((v, i) => (v || b[i] ? 1 : 0));
}

/** Dilation by a (2r + 1)^2 square. */
export { dilate } from '../../src/kernels/image';

export const count = (mask: Uint8Array) => mask.reduce((s, v) => s + v, 0);

/** Largest RGB channel difference of pixel p. */
function pixelDiff(a: ArrayLike<number>, b: ArrayLike<number>, p: number): number {
  return Math.max(Math.abs(a[p * 4] - b[p * 4]), Math.abs(a[p * 4 + 1] - b[p * 4 + 1]), Math.abs(a[p * 4 + 2] - b[p * 4 + 2]));
}

/** Over pixels where `where` is 1: the fraction whose RGB differs by at most `tol` (0..255), and the mean abs difference. */
export function compareWhere(a: ArrayLike<number>, b: ArrayLike<number>, where: Uint8Array, tol: number): { pixels: number; unchanged: number; meanDiff: number; maxDiff: number } {
  let pixels = 0;
  let same = 0;
  let sum = 0;
  let max = 0;
  for (let p = 0; p < where.length; p++) {
    if (!where[p]) continue;
    const d = pixelDiff(a, b, p);
    pixels++;
    if (d <= tol) same++;
    sum += (Math.abs(a[p * 4] - b[p * 4]) + Math.abs(a[p * 4 + 1] - b[p * 4 + 1]) + Math.abs(a[p * 4 + 2] - b[p * 4 + 2])) / 3;
    max = Math.max(max, d);
  }
  return { pixels, unchanged: pixels ? same / pixels : 1, meanDiff: pixels ? sum / pixels : 0, maxDiff: max };
}

export const not = (mask: Uint8Array) => mask.map((v) => (v ? 0 : 1));

/** Mean RGB over the mask. */
export function meanColor(rgba: ArrayLike<number>, mask: Uint8Array): [number, number, number] {
  const s = [0, 0, 0];
  let n = 0;
  mask.forEach((v, p) => {
    if (!v) return;
    for (let c = 0; c < 3; c++) s[c] += rgba[p * 4 + c];
    n++;
  });
  return [s[0] / n, s[1] / n, s[2] / n];
}

export const distance = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
