import { describe, expect, it } from 'vitest';
import { testManifest } from '../model/testManifest';
import { createFacetStore } from './store';

describe('store', () => {
  it('clamps the pose to the manifest range', () => {
    const store = createFacetStore();
    store.getState().setPose({ yaw: 3, pitch: 0 });
    expect(store.getState().pose.yaw).toBe(3); // no manifest yet
    store.getState().setManifest(testManifest());
    expect(store.getState().pose.yaw).toBeCloseTo(Math.PI / 3);
    store.getState().setPose({ yaw: -0.1, pitch: -2 });
    expect(store.getState().pose.pitch).toBeCloseTo((-25 * Math.PI) / 180);
  });

  it('does not notify for an unchanged pose', () => {
    const store = createFacetStore();
    let calls = 0;
    store.subscribe(() => calls++);
    store.getState().setPose({ yaw: 0, pitch: 0 });
    expect(calls).toBe(0);
  });

  it('moves through loading, ready and error', () => {
    const store = createFacetStore();
    const s = () => store.getState();
    s().setProgress('Downloading', 0.5);
    expect(s().phase).toBe('loading');
    s().frameShown(12);
    expect([s().phase, s().framesRendered, s().renderMs, s().progress]).toEqual(['ready', 1, 12, null]);
    s().setError('broken');
    expect([s().phase, s().error]).toEqual(['error', 'broken']);
    s().setProgress('Reading', 0);
    expect(s().error).toBeNull();
  });

  it('keeps seeds as non-negative integers', () => {
    const store = createFacetStore();
    store.getState().setSeed(12.7);
    expect(store.getState().portraits.A.seed).toBe(12);
    expect(store.getState().portraits.B.seed).toBe(13);
    store.getState().setSeed(-5);
    expect(store.getState().portraits.A.seed).toBe(0);
  });
});
