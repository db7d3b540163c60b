import { describe, expect, it } from 'vitest';
import { composeView, type ViewOptions } from './view';

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
