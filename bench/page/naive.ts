/**
 * Bench-only page (`npm run bench`): times the naive per-frame graph (bench/build/<model>/naive.onnx,
 * copied next to this page) in the browser through the app's own GraphSession, on the backend the
 * app would use, so the browser rows have a baseline from the same run. Also reports the WebGPU
 * adapter, so software adapters can be told apart.
 */
import { describeAdapter, detectBackends, wasmThreadCount, type Backend } from '../../src/runtime/backend';
import { configureRuntime, GraphSession } from '../../src/runtime/graphSession';
import type { Feeds, GraphSpec } from '../../src/runtime/tensors';

interface NaiveMeta extends GraphSpec {
  tile_rays: number;
  tiles_per_frame: number;
  t_bounds: [number, number];
}

export interface NaiveTimes {
  times: number[];
  tiles: number;
  tilesPerFrame: number;
  threads: number;
}

async function adapter(): Promise<{ available: boolean; description: string; software: boolean; reason: string | null }> {
  const t = await detectBackends();
  if (!t.webgpu || !t.adapter) return { available: false, description: '', software: false, reason: t.reason };
  const a = t.adapter;
  const text = `${a.vendor} ${a.architecture} ${a.description}`.toLowerCase();
  const software = a.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software|warp/.test(text);
  return { available: true, description: describeAdapter(a), software, reason: null };
}

function feeds(meta: NaiveMeta): Feeds {
  const out: Feeds = {};
  for (const spec of meta.inputs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (spec.name === 't_bounds') for (let i = 0; i < n; i += 2) data.set(meta.t_bounds, i);
    else if (spec.name === 'ray_origins') for (let i = 0; i < n; i += 3) data[i + 2] = 1;      // camera at +z
    else if (spec.name === 'ray_dirs') for (let i = 0; i < n; i += 3) data[i + 2] = -1;        // towards the face
    else for (let i = 0; i < n; i++) data[i] = Math.sin(i * 12.9898) * 0.5;                     // codes
    out[spec.name] = { type: 'float32', dims: spec.shape, data };
  }
  return out;
}

async function naive(model: string, backend: Backend, tiles: number, runs: number): Promise<NaiveTimes> {
  const threads = wasmThreadCount(globalThis.crossOriginIsolated === true, navigator.hardwareConcurrency);
  configureRuntime(threads);
  const base = new URL(`./naive/${model}/`, location.href);
  const meta = (await (await fetch(new URL('naive.json', base))).json()) as NaiveMeta;
  const bytes = new Uint8Array(await (await fetch(new URL('naive.onnx', base))).arrayBuffer());
  const session = await GraphSession.create('naive', bytes, meta, backend);
  try {
    const count = Math.min(tiles, meta.tiles_per_frame);
    const f = feeds(meta);
    await session.run(f);                                   // warm-up (shader compilation on WebGPU)
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      for (let t = 0; t < count; t++) await session.run(f);
      times.push(performance.now() - t0);
    }
    return { times, tiles: count, tilesPerFrame: meta.tiles_per_frame, threads };
  } finally {
    await session.dispose();
  }
}

declare global {
  interface Window {
    facetBench: { adapter: typeof adapter; naive: typeof naive };
  }
}

window.facetBench = { adapter, naive };
