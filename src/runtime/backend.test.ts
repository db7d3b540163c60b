import { describe, expect, it } from 'vitest';
import { BackendError, chooseBackend, describeAdapter, detectBackends, requestedBackend, wasmThreadCount } from './backend';

const withGpu = Object.freeze({
  webgpu: true,
  adapter: { vendor: 'google', architecture: 'swiftshader', description: '', isFallbackAdapter: true },
  reason: null,
});
const noGpu = Object.freeze({ webgpu: false, adapter: null, reason: 'no adapter' });

describe('backend', () => {
  it('prefers WebGPU when an adapter exists', () => {
    expect(chooseBackend(withGpu, null, 2)).toEqual({ backend: 'webgpu', adapter: 'google swiftshader (fallback adapter)' });
    expect(chooseBackend(noGpu, null, 2)).toEqual({ backend: 'wasm', adapter: 'CPU (wasm, 2 threads)' });
  });

  it('honours ?backend=', () => {
    expect(chooseBackend(withGpu, 'wasm', 1).backend).toBe('wasm');
    expect(() => chooseBackend(noGpu, 'webgpu', 1)).toThrow(BackendError);
    expect(requestedBackend(new URLSearchParams('backend=wasm'))).toBe('wasm');
    expect(requestedBackend(new URLSearchParams(''))).toBeNull();
    expect(() => requestedBackend(new URLSearchParams('backend=cuda'))).toThrow(/not a backend/);
  });

  it('detects from navigator.gpu', async () => {
    const nav = { gpu: { requestAdapter: async () => ({ info: { vendor: 'x', description: 'y' } }) } } as unknown as Navigator;
    const table = await detectBackends(nav);
    expect(table.webgpu).toBe(true);
    expect(Object.isFrozen(table)).toBe(true);
    expect(describeAdapter(table.adapter!)).toBe('x y');
    expect((await detectBackends({} as Navigator)).webgpu).toBe(false);
    const none = { gpu: { requestAdapter: async () => null } } as unknown as Navigator;
    expect((await detectBackends(none)).reason).toMatch(/no adapter/);
  });

  it('uses threads only when cross-origin isolated', () => {
    expect(wasmThreadCount(true, 8)).toBe(8);
    expect(wasmThreadCount(false, 8)).toBe(1);
  });
});
