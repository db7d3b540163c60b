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
