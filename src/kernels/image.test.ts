import { describe, expect, it } from 'vitest';
import { imageToRgba8, labelsToRgba8, masksToLabels, parseHexColor } from './image';

describe('image', () => {
  it('maps [-1, 1] to 0..255 and clamps', () => {
    const rgba = imageToRgba8(Float32Array.from([-1, 0, 1, -2, 2, NaN]));
    expect(Array.from(rgba)).toEqual([0, 128, 255, 255, 0, 255, 0, 255]);
  });

  it('labels pixels by the strongest mask', () => {
    const labels = masksToLabels(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.5, 0]), 3);
    expect(Array.from(labels)).toEqual([1, 0]);
  });

  it('colors labels from a palette', () => {
    const palette = [parseHexColor('#000000'), parseHexColor('#F2b880')];
    expect(Array.from(labelsToRgba8(Uint8Array.from([1, 0]), palette))).toEqual([242, 184, 128, 255, 0, 0, 0, 255]);
    expect(() => parseHexColor('red')).toThrow(/rrggbb/);
  });
});
