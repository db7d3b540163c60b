/**
 * Seed -> latent z, bit-for-bit the same as export/facet/rng.py: mulberry32 uniforms,
 * Box-Muller normals (cos then sin of each pair), filled row-major.
 */

/** mulberry32 with its state initialised to the seed as uint32; returns uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` standard normals (float64) from a seed. */
export function normals(seed: number, count: number): Float64Array {
  const next = mulberry32(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = next();
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(Math.max(u1, 1e-12)));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** float32 latent [rows, cols], row-major, as the exporter computes it. */
export function zFromSeed(seed: number, rows: number, cols: number): Float32Array {
  return Float32Array.from(normals(seed, rows * cols));
}

/** A random seed in [0, 2^31) for the "random" button. */
export function randomSeed(random: () => number = Math.random): number {
  return Math.floor(random() * 2 ** 31);
}
