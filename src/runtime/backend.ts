/**
 * Which execution provider to use: a frozen table from feature detection (WebGPU when
 * navigator.gpu gives an adapter, else wasm), overridable by `?backend=wasm|webgpu`.
 * No ORT import here: this file only looks at the browser.
 */

export type Backend = 'webgpu' | 'wasm';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface BackendTable {
  readonly webgpu: boolean;
  readonly adapter: AdapterSummary | null;
  /** Why WebGPU is missing, for messages. */
  readonly reason: string | null;
}

export interface BackendChoice {
  readonly backend: Backend;
  /** Human-readable adapter, e.g. "google swiftshader (fallback adapter)" or "CPU (wasm, 4 threads)". */
  readonly adapter: string;
}

export class BackendError extends Error {
  override name = 'BackendError';
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

export async function detectBackends(nav: Navigator = navigator): Promise<BackendTable> {
  const gpu = (nav as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return Object.freeze({ webgpu: false, adapter: null, reason: 'this browser has no WebGPU (navigator.gpu is missing)' });
  let adapter: GpuAdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return Object.freeze({ webgpu: false, adapter: null, reason: `requestAdapter() failed: ${String(e)}` });
  }
  if (!adapter) return Object.freeze({ webgpu: false, adapter: null, reason: 'WebGPU gave no adapter' });
  const info = adapter.info ?? {};
  const summary: AdapterSummary = Object.freeze({
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  });
  return Object.freeze({ webgpu: true, adapter: summary, reason: null });
}

export function describeAdapter(a: AdapterSummary): string {
  const name = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unknown GPU';
  return a.isFallbackAdapter ? `${name} (fallback adapter)` : name;
}

/** Parse `?backend=`; null when absent, an error for an unknown value. */
export function requestedBackend(params: URLSearchParams): Backend | null {
  const v = params.get('backend');
  if (v === null || v === '') return null;
  if (v === 'webgpu' || v === 'wasm') return v;
  throw new BackendError(`?backend=${v} is not a backend: use ?backend=webgpu or ?backend=wasm`);
}

export function chooseBackend(table: BackendTable, requested: Backend | null, wasmThreads: number): BackendChoice {
  const wasm: BackendChoice = Object.freeze({
    backend: 'wasm',
    adapter: `CPU (wasm, ${wasmThreads} thread${wasmThreads === 1 ? '' : 's'})`,
  });
  if (requested === 'wasm') return wasm;
  if (table.webgpu && table.adapter) {
    return Object.freeze({ backend: 'webgpu', adapter: describeAdapter(table.adapter) });
  }
  if (requested === 'webgpu') {
    throw new BackendError(
      `WebGPU was requested (?backend=webgpu) but is not available here: ${table.reason ?? 'no adapter'}. ` +
        'Open the page without ?backend=webgpu to run on the CPU (wasm) instead.',
    );
  }
  return wasm;
}

/** wasm threads need cross-origin isolation (SharedArrayBuffer). */
export function wasmThreadCount(isolated: boolean, cores: number | undefined): number {
  return isolated ? Math.max(1, cores ?? 1) : 1;
}
