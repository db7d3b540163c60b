/**
 * Bench-only page (`npm run bench`): times the naive per-frame graph (bench/build/<model>/naive.onnx,
 * copied next to this page) in the browser through the app's own GraphSession, on the backend the
 * app would use, so the browser rows have a baseline from the same run. Also reports the WebGPU
 * adapter, so software adapters can be told apart.
 */
import * as ort from 'onnxruntime-web/webgpu';
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

/** Bench values for a float input: rays from +z towards the face, `tBounds` per ray, a box, psi, codes. */
function floatInput(name: string, n: number, tBounds: readonly number[]): Float32Array {
  const data = new Float32Array(n);
  if (name === 't_bounds') for (let i = 0; i < n; i += 2) data.set(tBounds, i);
  else if (name === 'ray_origins') for (let i = 0; i < n; i += 3) data[i + 2] = 1;      // camera at +z
  else if (name === 'ray_dirs') for (let i = 0; i < n; i += 3) data[i + 2] = -1;        // towards the face
  else if (name === 'box_min') data.fill(-0.1);
  else if (name === 'box_max') data.fill(0.1);
  else if (name === 'psi') data.fill(0.7);
  else for (let i = 0; i < n; i++) data[i] = Math.sin(i * 12.9898) * 0.5;                // codes
  return data;
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function feeds(meta: NaiveMeta): Feeds {
  const out: Feeds = {};
  for (const spec of meta.inputs) out[spec.name] = { type: 'float32', dims: spec.shape, data: floatInput(spec.name, count(spec.shape), meta.t_bounds) };
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

export interface GraphTimes {
  graph: string;
  macs: number;
  readback: number[];   // run() with outputs copied to the CPU (what the app does)
  submit: number[];     // run() with outputs left on the GPU (preferredOutputLocation 'gpu-buffer'): until run() returns
  done: number[];       // the same run until the GPU queue is idle (onSubmittedWorkDone)
}

function graphFeeds(spec: GraphSpec): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const i of spec.inputs) {
    const n = count(i.shape);
    out[i.name] = i.dtype === 'int64' ? new ort.Tensor('int64', BigInt64Array.from({ length: n }, () => 3n), i.shape)
      : new ort.Tensor('float32', floatInput(i.name, n, [0.5, 1.5]), i.shape);
  }
  return out;
}

/**
 * Where a graph's time goes on WebGPU (scripts/bench-gpu.mjs --graphs): each of the model's
 * graphs run as the app runs it (outputs read back), and with its outputs left on the GPU, both
 * until run() returns and until the GPU has finished. Needs the webgpu backend.
 */
async function graphs(model: string, runs = 10): Promise<GraphTimes[]> {
  configureRuntime(1);
  const base = new URL(`../../models/${model}/`, location.href);
  const manifest = await (await fetch(new URL('manifest.json', base))).json();
  const out: GraphTimes[] = [];
  for (const [name, spec] of Object.entries(manifest.graphs as Record<string, GraphSpec & { file: string; macs: number }>)) {
    const bytes = new Uint8Array(await (await fetch(new URL(spec.file, base))).arrayBuffer());
    const feeds = graphFeeds(spec);
    const time = async (gpu: boolean) => {
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all',
        ...(gpu ? { preferredOutputLocation: 'gpu-buffer' as const } : {}) });
      const device = (await ort.env.webgpu.device) as GPUDevice;
      const a: number[] = [], b: number[] = [];
      try {
        for (let r = 0; r < runs + 2; r++) {
          const t0 = performance.now();
          const res = await session.run(feeds);
          const t1 = performance.now();
          if (gpu) await device.queue.onSubmittedWorkDone();
          const t2 = performance.now();
          for (const t of Object.values(res)) t.dispose();
          if (r >= 2) { a.push(t1 - t0); b.push(t2 - t0); }
        }
      } finally {
        await session.release();
      }
      return [a, b];
    };
    const [readback] = await time(false);
    const [submit, done] = await time(true);
    out.push({ graph: name, macs: spec.macs, readback, submit, done });
  }
  return out;
}

declare global {
  interface Window {
    facetBench: { adapter: typeof adapter; naive: typeof naive; graphs: typeof graphs };
  }
}

window.facetBench = { adapter, naive, graphs };
