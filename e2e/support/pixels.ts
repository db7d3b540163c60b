// Pixel statistics for tolerant image checks (values 0..255, alpha ignored).

export interface RgbStats {
  mean: number;
  std: number;
  distinctColors: number;
}

export function rgbStats(rgba: ArrayLike<number>): RgbStats {
  const n = Math.floor(rgba.length / 4);
  if (n === 0) return { mean: 0, std: 0, distinctColors: 0 };
  let sum = 0;
  let sumSq = 0;
  const colors = new Set<number>();
  for (let p = 0; p < n; p++) {
    const r = rgba[p * 4];
    const g = rgba[p * 4 + 1];
    const b = rgba[p * 4 + 2];
    sum += r + g + b;
    sumSq += r * r + g * g + b * b;
    colors.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / (3 * n);
  return { mean, std: Math.sqrt(Math.max(0, sumSq / (3 * n) - mean * mean)), distinctColors: colors.size };
}

/** Mean absolute difference over the RGB channels of two same-sized RGBA images. */
export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`images differ in size: ${a.length} vs ${b.length} values`);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sum += Math.abs(a[i] - b[i]);
    count++;
  }
  return count ? sum / count : 0;
}

/** Largest |a - b| over two flat tensors (NaN if any value is not finite, so a <= check fails). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`tensors differ in size: ${a.length} vs ${b.length} values`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!Number.isFinite(d)) return Number.NaN;
    if (d > max) max = d;
  }
  return max;
}
