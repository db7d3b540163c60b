/**
 * Painting on a label map (pure): round brush stamps, strokes interpolated between pointer
 * positions so a fast drag leaves no gaps, and a 4-connected flood fill. Coordinates are in
 * label-map pixels (x to the right, y down, row 0 at the top); a pixel (x, y) covers
 * [x, x + 1) x [y, y + 1) and its centre is (x + 0.5, y + 0.5).
 *
 * The painted layer is a Uint8Array with one value per pixel; `UNPAINTED` (255) means "not
 * painted: the current mask shows", anything else is a region index.
 */

export const UNPAINTED = 255;

export interface Grid {
  width: number;
  height: number;
}

/** Pixel box [x0, x1) x [y0, y1) (empty when x1 <= x0 or y1 <= y0). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const emptyBox = (): Box => ({ x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity });

function grow(box: Box, x0: number, y0: number, x1: number, y1: number): void {
  box.x0 = Math.min(box.x0, x0);
  box.y0 = Math.min(box.y0, y0);
  box.x1 = Math.max(box.x1, x1);
  box.y1 = Math.max(box.y1, y1);
}

/**
 * Sets every pixel whose centre lies within `diameter / 2` of (cx, cy) to `value`. A diameter
 * below 1 still paints the pixel under the point. Returns how many pixels changed.
 */
export function stamp(layer: Uint8Array, grid: Grid, cx: number, cy: number, diameter: number, value: number, dirty?: Box): number {
  const { width, height } = grid;
  const r = Math.max(0.5, diameter / 2);
  const r2 = r * r;
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(width - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(height - 1, Math.ceil(cy + r));
  let changed = 0;
  let hit = false;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      if (dx * dx + dy * dy > r2) continue;
      hit = true;
      const i = y * width + x;
      if (layer[i] !== value) {
        layer[i] = value;
        changed++;
      }
    }
  }
  // A tiny brush whose disc falls between pixel centres paints the pixel under the point.
  if (!hit) {
    const x = Math.floor(cx);
    const y = Math.floor(cy);
    if (x >= 0 && x < width && y >= 0 && y < height) {
      const i = y * width + x;
      if (layer[i] !== value) {
        layer[i] = value;
        changed++;
      }
      hit = true;
    }
  }
  if (hit && dirty) grow(dirty, x0, y0, x1 + 1, y1 + 1);
  return changed;
}

/**
 * A stroke segment from (x0, y0) to (x1, y1): stamps spaced at most a quarter of the diameter
 * (and at most one pixel) apart, the end included, the start not (the previous segment or the
 * stroke's first stamp painted it). Returns how many pixels changed.
 */
export function strokeSegment(
  layer: Uint8Array,
  grid: Grid,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  diameter: number,
  value: number,
  dirty?: Box,
): number {
  const length = Math.hypot(x1 - x0, y1 - y0);
  const spacing = Math.min(1, Math.max(0.25, diameter / 4));
  const steps = Math.max(1, Math.ceil(length / spacing));
  let changed = 0;
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    changed += stamp(layer, grid, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, diameter, value, dirty);
  }
  return changed;
}

/**
 * Flood fill: the 4-connected area of pixels with the same value in `labels` as (x, y) gets
 * `value` in `layer` (labels and layer may be the same array). Returns the filled pixels'
 * indices (an empty list outside the grid).
 */
export function floodFill(labels: Uint8Array, layer: Uint8Array, grid: Grid, x: number, y: number, value: number, dirty?: Box): number[] {
  const { width, height } = grid;
  x = Math.floor(x);
  y = Math.floor(y);
  if (x < 0 || y < 0 || x >= width || y >= height) return [];
  const start = y * width + x;
  const from = labels[start];
  const seen = new Uint8Array(width * height);
  const stack = [start];
  const filled: number[] = [];
  seen[start] = 1;
  while (stack.length) {
    const i = stack.pop()!;
    filled.push(i);
    const px = i % width;
    const py = (i - px) / width;
    if (dirty) grow(dirty, px, py, px + 1, py + 1);
    const next = [px > 0 ? i - 1 : -1, px < width - 1 ? i + 1 : -1, py > 0 ? i - width : -1, py < height - 1 ? i + width : -1];
    for (const j of next) {
      if (j < 0 || seen[j] || labels[j] !== from) continue;
      seen[j] = 1;
      stack.push(j);
    }
  }
  for (const i of filled) layer[i] = value;
  return filled;
}

/** The painted target: a painted pixel's region, else the current mask's (`base`). */
export function composeTarget(base: Uint8Array, paint: Uint8Array, out = new Uint8Array(base.length)): Uint8Array {
  for (let i = 0; i < base.length; i++) out[i] = paint[i] === UNPAINTED ? base[i] : paint[i];
  return out;
}

/** Pixels where the painted target differs from the current mask. */
export function countChanged(base: Uint8Array, paint: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < base.length; i++) if (paint[i] !== UNPAINTED && paint[i] !== base[i]) n++;
  return n;
}

/**
 * Canvas point (CSS px, from the canvas's top-left) -> label-map pixel coordinates, for an
 * image drawn as a centred square of side min(width, height) * zoom (the viewport's fit).
 */
export function canvasToImage(
  px: number,
  py: number,
  canvas: { width: number; height: number },
  image: Grid,
  zoom: number,
): { x: number; y: number } {
  const side = Math.min(canvas.width, canvas.height) * zoom;
  return {
    x: ((px - canvas.width / 2) / side + 0.5) * image.width,
    y: ((py - canvas.height / 2) / side + 0.5) * image.height,
  };
}

/** Label-map pixels per canvas CSS pixel (the inverse scale of canvasToImage). */
export function imagePixelsPerCanvasPixel(canvas: { width: number; height: number }, image: Grid, zoom: number): number {
  return image.width / (Math.min(canvas.width, canvas.height) * zoom);
}
