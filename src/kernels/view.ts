/**
 * The views of a final image (pure): color, semantic map, mask overlay on color with an
 * opacity, depth; pixels of hidden regions show the backdrop. Unrendered pixels (alpha 0, a
 * final render still in progress) stay transparent.
 */
export type ViewMode = 'color' | 'semantic' | 'overlay' | 'depth';

export interface ViewImage {
  rgba: Uint8Array; // [N * 4]
  labels: Uint8Array; // [N]
  depth: Float32Array; // [N]
}

export interface ViewOptions {
  view: ViewMode;
  opacity: number; // overlay: weight of the region colors, 0..1
  hidden: readonly boolean[]; // by region index
  palette: readonly (readonly number[])[]; // region colors, 0..255
  near: number;
  far: number;
  backdrop: readonly number[]; // 0..255
}

export function composeView(image: ViewImage, o: ViewOptions, out = new Uint8Array(image.rgba.length)): Uint8Array {
  const n = image.labels.length;
  const span = Math.max(1e-6, o.far - o.near);
  for (let p = 0; p < n; p++) {
    const i = p * 4;
    const a = image.rgba[i + 3];
    out[i + 3] = a;
    if (a === 0) continue;
    const label = image.labels[p];
    if (o.hidden[label]) {
      out[i] = o.backdrop[0];
      out[i + 1] = o.backdrop[1];
      out[i + 2] = o.backdrop[2];
      continue;
    }
    const c = o.palette[label] ?? [255, 0, 255];
    for (let ch = 0; ch < 3; ch++) {
      const color = image.rgba[i + ch];
      let v: number;
      if (o.view === 'color') v = color;
      else if (o.view === 'semantic') v = c[ch];
      else if (o.view === 'overlay') v = color + (c[ch] - color) * o.opacity;
      else v = (255 * (o.far - image.depth[p])) / span;
      out[i + ch] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
  return out;
}

/**
 * Display anti-aliasing of a color view (pure): the final render takes one ray per pixel through a
 * sharp surface (2 x 2 at edge pixels with render.edge_supersample), so the head's outline and the
 * edges between regions are stair-steps once the image is scaled up. Each rendered pixel with a 4-neighbour of another label becomes the mean of
 * its rendered 3 x 3 neighbours; every other pixel, and alpha, is left as it is. Only what is
 * shown changes, not the image that edits, checks and saves read.
 */
export function smoothEdges(
  rgba: Uint8Array,
  labels: Uint8Array,
  width: number,
  height: number,
  out = new Uint8Array(rgba.length),
): Uint8Array {
  out.set(rgba);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (rgba[p * 4 + 3] === 0) continue;
      const l = labels[p];
      const edge =
        (x > 0 && labels[p - 1] !== l) ||
        (x < width - 1 && labels[p + 1] !== l) ||
        (y > 0 && labels[p - width] !== l) ||
        (y < height - 1 && labels[p + width] !== l);
      if (!edge) continue;
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = (yy * width + xx) * 4;
          if (rgba[q + 3] === 0) continue;
          r += rgba[q];
          g += rgba[q + 1];
          b += rgba[q + 2];
          n++;
        }
      }
      out[p * 4] = Math.round(r / n);
      out[p * 4 + 1] = Math.round(g / n);
      out[p * 4 + 2] = Math.round(b / n);
    }
  }
  return out;
}
