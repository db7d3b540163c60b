import { describe, expect, it } from 'vitest';
import { zFromSeed } from '../kernels/rng';
import { testManifest } from '../model/testManifest';
import { createFacetStore } from '../store/store';
import { blendEdit, psiEdit, regionEdit, regionZEdit, seedEdit, sliderEdit, zOf } from './edits';

function setup() {
  const store = createFacetStore();
  const manifest = testManifest();
  manifest.latent.sliders = [{ region: 'face', kind: 'shape', name: 'width', label: 'Width', slot: 1, min: -2, max: 2 }];
  store.getState().setManifest(manifest);
  store.getState().setSeed(5);
  const s = () => store.getState();
  const z = (id: 'A' | 'B') => Array.from(zOf(s().portraits[id], manifest));
  return { store, manifest, s, z };
}

describe('edits as undoable commands', () => {
  it('a slider sets one z entry; undo and redo restore both states exactly', () => {
    const { s, z, manifest } = setup();
    const before = z('A');
    s().execute(sliderEdit(s(), 'A', 'face', 'shape', 'width', 1.5));
    const after = z('A');
    const row = 2 * 1; // face shape row
    expect(after[row * manifest.latent.z_dim + 1]).toBeCloseTo(1.5);
    expect(after.filter((v, i) => v !== before[i])).toHaveLength(1);
    s().undo();
    expect(z('A')).toEqual(before);
    s().redo();
    expect(z('A')).toEqual(after);
  });

  it('a drag coalesces into one undo step until the gesture closes', () => {
    const { s, z } = setup();
    const before = z('A');
    for (const v of [0.1, 0.5, 0.9]) s().execute(sliderEdit(s(), 'A', 'face', 'shape', 'width', v, true));
    expect(s().past).toHaveLength(1);
    s().closeGesture();
    s().execute(sliderEdit(s(), 'A', 'face', 'shape', 'width', -1, true));
    expect(s().past).toHaveLength(2);
    s().undo();
    s().undo();
    expect(z('A')).toEqual(before);
  });

  it('swap exchanges one row between A and B; copy brings B into A', () => {
    const { s, z, manifest } = setup();
    const d = manifest.latent.z_dim;
    const [a, b] = [z('A'), z('B')];
    s().execute(regionEdit(s(), 'A', 'face', 'swap-texture'));
    const row = 3; // face texture
    expect(z('A').slice(row * d, (row + 1) * d)).toEqual(b.slice(row * d, (row + 1) * d));
    expect(z('B').slice(row * d, (row + 1) * d)).toEqual(a.slice(row * d, (row + 1) * d));
    expect(z('A').slice(0, row * d)).toEqual(a.slice(0, row * d));
    s().undo();
    expect([z('A'), z('B')]).toEqual([a, b]);
    s().execute(regionEdit(s(), 'A', 'face', 'copy-shape'));
    expect(z('A').slice(2 * d, 3 * d)).toEqual(b.slice(2 * d, 3 * d));
    expect(z('B')).toEqual(b);
  });

  it('locks keep a region on a new seed and refuse a resample', () => {
    const { s, z, manifest } = setup();
    const d = manifest.latent.z_dim;
    const a = z('A');
    s().execute(regionEdit(s(), 'A', 'face', 'lock'));
    s().execute(seedEdit(s(), 'A', 99));
    const fresh = Array.from(zFromSeed(99, manifest.latent.num_codes, d));
    expect(z('A').slice(0, 2 * d)).toEqual(fresh.slice(0, 2 * d)); // background: new
    expect(z('A').slice(2 * d)).toEqual(a.slice(2 * d)); // face: kept
    expect(() => regionEdit(s(), 'A', 'face', 'resample-shape')).toThrow(/locked/);
    s().execute(regionEdit(s(), 'A', 'background', 'resample-shape', () => 0.25));
    expect(z('A').slice(0, d)).not.toEqual(fresh.slice(0, d));
  });

  it('blend interpolates the region between its anchor and the other portrait', () => {
    const { s, z, manifest } = setup();
    const d = manifest.latent.z_dim;
    const [a, b] = [z('A'), z('B')];
    s().execute(blendEdit(s(), 'A', 'face', 0.5, true));
    s().execute(blendEdit(s(), 'A', 'face', 1, true));
    expect(z('A').slice(2 * d, 4 * d)).toEqual(b.slice(2 * d, 4 * d));
    s().execute(blendEdit(s(), 'A', 'face', 0, true));
    expect(z('A').slice(2 * d, 4 * d)).toEqual(a.slice(2 * d, 4 * d).map((v) => Math.fround(v)));
    expect(s().past).toHaveLength(1);
    expect(() => blendEdit(s(), 'A', 'face', 2)).toThrow(/between 0 and 1/);
  });

  it('bad input is refused with a sentence and changes nothing', () => {
    const { s } = setup();
    expect(() => sliderEdit(s(), 'A', 'hair', 'shape', 'width', 1)).toThrow(/no region "hair"/);
    expect(() => sliderEdit(s(), 'A', 'face', 'shape', 'nope', 1)).toThrow(/No shape slider "nope" for face \(this model has: width\)/);
    expect(() => psiEdit(s(), 'A', -1)).toThrow(/Truncation/);
    expect(() => regionZEdit(s(), 'A', 'face', { shape: [1, 2] })).toThrow(/2 values for a row of 3/);
    expect(s().past).toHaveLength(0);
  });

  it('regionZEdit sets a region row as one command', () => {
    const { s, z, manifest } = setup();
    const d = manifest.latent.z_dim;
    s().execute(regionZEdit(s(), 'B', 'face', { shape: [1, 2, 3] }, 'reshape'));
    expect(z('B').slice(2 * d, 3 * d)).toEqual([1, 2, 3]);
    expect(s().past.at(-1)!.label).toBe('B: Face reshape');
  });
});
