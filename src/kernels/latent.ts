/**
 * A portrait's latent z [num_codes, z_dim] (row 2k: region k's shape latent, 2k + 1 its texture
 * latent; docs/model-format.md) and the pure edits the commands make of it. Every function
 * returns a new array and leaves its inputs alone.
 */
export type CodeKind = 'shape' | 'texture';

export function rowOf(region: number, kind: CodeKind): number {
  return 2 * region + (kind === 'shape' ? 0 : 1);
}

export function getRow(z: Float32Array, row: number, zDim: number): Float32Array {
  return z.slice(row * zDim, (row + 1) * zDim);
}

export function withRow(z: Float32Array, row: number, values: ArrayLike<number>, zDim: number): Float32Array {
  if (values.length !== zDim) throw new Error(`withRow: ${values.length} values for a row of ${zDim}`);
  const out = z.slice();
  out.set(values, row * zDim);
  return out;
}

export function withEntry(z: Float32Array, row: number, slot: number, value: number, zDim: number): Float32Array {
  if (slot < 0 || slot >= zDim) throw new Error(`withEntry: slot ${slot} outside [0, ${zDim})`);
  const out = z.slice();
  out[row * zDim + slot] = value;
  return out;
}

/** a + (b - a) t, element-wise. */
export function lerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  if (a.length !== b.length) throw new Error(`lerp: ${a.length} vs ${b.length} values`);
  return Float32Array.from(a, (v, i) => v + (b[i] - v) * t);
}

/** z with the given rows taken from `from`. */
export function copyRows(z: Float32Array, from: Float32Array, rows: readonly number[], zDim: number): Float32Array {
  const out = z.slice();
  for (const row of rows) out.set(from.subarray(row * zDim, (row + 1) * zDim), row * zDim);
  return out;
}

/** The rows of `z` whose region is locked are kept from `keep`, the others come from `fresh`. */
export function keepLocked(fresh: Float32Array, keep: Float32Array, locks: readonly boolean[], zDim: number): Float32Array {
  const rows = locks.flatMap((locked, k) => (locked ? [2 * k, 2 * k + 1] : []));
  return copyRows(fresh, keep, rows, zDim);
}

/** Regions whose shape or texture code row differs between two code matrices [2K, C]. */
export function changedRegions(prev: Float32Array | null, next: Float32Array, regions: number, codeDim: number): boolean[] {
  return Array.from({ length: regions }, (_, k) => {
    if (!prev) return true;
    for (let i = 2 * k * codeDim; i < (2 * k + 2) * codeDim; i++) if (prev[i] !== next[i]) return true;
    return false;
  });
}

/** A short content key (FNV-1a over the float bits) for caching by value. */
export function contentKey(values: Float32Array, extra: number): string {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let h = 0x811c9dc5;
  let g = 5381; // a second, independent hash (djb2-style) so that 64 bits tell portraits apart
  const mix = (v: number) => {
    for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((v >>> s) & 0xff), 0x01000193);
    g = (Math.imul(g, 33) + v) | 0;
  };
  bits.forEach(mix);
  mix(new Uint32Array(Float32Array.of(extra).buffer)[0]);
  return `${(h >>> 0).toString(16)}${(g >>> 0).toString(16)}:${values.length}:${extra}`;
}

/** Same length and the same values (bit-for-bit as floats; NaN never equals). */
export function sameValues(a: ArrayLike<number> | null, b: ArrayLike<number>): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
