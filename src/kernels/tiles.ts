/**
 * Split a render's rays into fixed-size tiles for a graph with static shapes: the last tile is
 * padded by repeating its final ray, and only the first `count` results of it are kept.
 */

export interface Tile {
  start: number; // first ray index
  count: number; // real rays in this tile (<= size)
}

export function tilesFor(totalRays: number, size: number): Tile[] {
  const tiles: Tile[] = [];
  for (let start = 0; start < totalRays; start += size) {
    tiles.push({ start, count: Math.min(size, totalRays - start) });
  }
  return tiles;
}

/** Rows [start, start + count) of a [rows * width] array, padded to `size` rows. */
export function sliceRows(src: Float32Array, width: number, tile: Tile, size: number): Float32Array {
  const out = new Float32Array(size * width);
  out.set(src.subarray(tile.start * width, (tile.start + tile.count) * width));
  const last = src.subarray((tile.start + tile.count - 1) * width, (tile.start + tile.count) * width);
  for (let r = tile.count; r < size; r++) out.set(last, r * width);
  return out;
}
