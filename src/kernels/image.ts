/** Graph outputs -> pixels: image in [-1, 1] -> RGBA8, region masks -> labels -> palette colors. */

/** image [N * 3] in [-1, 1] -> RGBA8 [N * 4], alpha 255. */
export function imageToRgba8(image: Float32Array, out = new Uint8Array((image.length / 3) * 4)): Uint8Array {
  const n = image.length / 3;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round(((image[p * 3 + c] + 1) / 2) * 255);
      out[p * 4 + c] = Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, v));
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** masks [N * K] -> label per pixel (argmax over regions; the first wins ties). */
export function masksToLabels(masks: Float32Array, regions: number): Uint8Array {
  const n = masks.length / regions;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    let best = 0;
    for (let k = 1; k < regions; k++) if (masks[p * regions + k] > masks[p * regions + best]) best = k;
    out[p] = best;
  }
  return out;
}

/** '#rrggbb' -> [r, g, b] in 0..255. */
export function parseHexColor(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb color: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** labels [N] + palette (0..255 per channel) -> RGBA8 [N * 4]. */
export function labelsToRgba8(labels: Uint8Array, palette: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(labels.length * 4);
  labels.forEach((label, p) => {
    const c = palette[label] ?? [255, 0, 255];
    out.set([c[0], c[1], c[2], 255], p * 4);
  });
  return out;
}

/** Square dilation of a [height, width] 0/1 mask by d pixels (Chebyshev distance <= d), rows then columns. */
export function dilate(mask: Uint8Array, width: number, height: number, d: number): Uint8Array {
  const pass = (src: Uint8Array, n: number, lines: number, at: (line: number, i: number) => number): Uint8Array => {
    const out = new Uint8Array(src.length);
    for (let line = 0; line < lines; line++) {
      // count of marked pixels in the window [i - d, i + d], slid along the line
      let count = 0;
      for (let i = 0; i < Math.min(d, n); i++) count += src[at(line, i)];
      for (let i = 0; i < n; i++) {
        if (i + d < n) count += src[at(line, i + d)];
        if (i - d - 1 >= 0) count -= src[at(line, i - d - 1)];
        out[at(line, i)] = count > 0 ? 1 : 0;
      }
    }
    return out;
  };
  const rows = pass(mask, height, width, (col, i) => i * width + col);
  return pass(rows, width, height, (row, i) => row * width + i);
}
