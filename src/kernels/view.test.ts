import { describe, expect, it } from 'vitest';
import { composeView, smoothEdges, type ViewOptions } from './view';

const image = {
  rgba: Uint8Array.from([100, 100, 100, 255, 200, 0, 0, 255, 0, 0, 0, 0]),
  labels: Uint8Array.from([0, 1, 1]),
  depth: Float32Array.from([1.1, 0.9, 1]),
};
const opts: ViewOptions = {
  view: 'color', opacity: 0.5, hidden: [false, false], palette: [[0, 0, 255], [0, 255, 0]], near: 0.9, far: 1.1, backdrop: [1, 2, 3],
};

describe('composeView', () => {
  it('color is the image; unrendered pixels stay transparent', () => {
    expect(Array.from(composeView(image, opts))).toEqual([100, 100, 100, 255, 200, 0, 0, 255, 0, 0, 0, 0]);
  });
  it('semantic, overlay and depth', () => {
    expect(Array.from(composeView(image, { ...opts, view: 'semantic' }).subarray(0, 8))).toEqual([0, 0, 255, 255, 0, 255, 0, 255]);
    expect(Array.from(composeView(image, { ...opts, view: 'overlay' }).subarray(0, 4))).toEqual([50, 50, 178, 255]);
    expect(Array.from(composeView(image, { ...opts, view: 'depth' }).subarray(0, 8))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  });
  it('hidden regions show the backdrop', () => {
    expect(Array.from(composeView(image, { ...opts, hidden: [false, true] }).subarray(4, 8))).toEqual([1, 2, 3, 255]);
  });
});

describe('smoothEdges', () => {
  // 4 x 3: label 1 in the two right columns; pixel (0, 2) unrendered
  const w = 4;
  const h = 3;
  const labels = Uint8Array.from([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
  const rgba = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) rgba.set([labels[p] ? 200 : 20, p, 7, 255], p * 4);
  rgba[(2 * w) * 4 + 3] = 0;

  it('pixels next to another label become the mean of their rendered 3 x 3 neighbours', () => {
    const out = smoothEdges(rgba, labels, w, h);
    // (1, 1): neighbours x 0..2, y 0..2 minus the unrendered (0, 2): 8 pixels, 3 of label 1
    const reds = [20, 20, 200, 20, 20, 200, 20, 200];
    const greens = [0, 1, 2, 4, 5, 6, 9, 10];
    const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
    expect(Array.from(out.subarray((w + 1) * 4, (w + 1) * 4 + 4))).toEqual([mean(reds), mean(greens), 7, 255]);
  });

  it('leaves pixels inside a region, unrendered pixels and alpha as they are', () => {
    const out = smoothEdges(rgba, labels, w, h);
    for (const p of [0, 3, 4, 7, 8, 11]) expect(Array.from(out.subarray(p * 4, p * 4 + 4))).toEqual(Array.from(rgba.subarray(p * 4, p * 4 + 4)));
    const one = new Uint8Array(labels.length);
    expect(Array.from(smoothEdges(rgba, one, w, h))).toEqual(Array.from(rgba));
  });
});
