/**
 * The page's side of kernelWorker.ts: the fuse and the ray bounds as promises, run in a module
 * Worker when the platform has one (the browser), else in-thread (Node tests) with the same
 * caches. Requests carry only what changed (the edited regions' bakes).
 */
import { KernelHost, type BoundsRequest, type FuseRequest, type KernelRequest } from './kernelWorker';

type Pending = { resolve(v: unknown): void; reject(e: unknown): void };
type Omit2<T> = T extends unknown ? Omit<T, 'id' | 'type'> : never;

export class KernelClient {
  private worker: Worker | null = null;
  private readonly host = new KernelHost();
  private readonly pending = new Map<number, Pending>();
  private next = 1;

  constructor(useWorker = typeof Worker !== 'undefined') {
    if (!useWorker) return;
    try {
      this.worker = new Worker(new URL('./kernelWorker.ts', import.meta.url), { type: 'module', name: 'facet-kernels' });
      this.worker.onmessage = (e: MessageEvent<{ id: number; ok: boolean; result?: unknown; error?: string }>) => {
        const p = this.pending.get(e.data.id);
        if (!p) return;
        this.pending.delete(e.data.id);
        if (e.data.ok) p.resolve(e.data.result);
        else p.reject(new Error(e.data.error));
      };
      this.worker.onerror = (e) => {
        const err = new Error(`The kernel worker failed: ${e.message}`);
        this.pending.forEach((p) => p.reject(err));
        this.pending.clear();
      };
    } catch {
      this.worker = null;
    }
  }

  get inWorker(): boolean {
    return this.worker !== null;
  }

  private call<T>(req: KernelRequest, transfer: Transferable[] = []): Promise<T> {
    if (!this.worker) {
      try {
        return Promise.resolve((req.type === 'fuse' ? this.host.fuse(req) : this.host.bounds(req)) as T);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.set(req.id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker!.postMessage(req, transfer);
    });
  }

  /** Fuse (inputs are copied to the worker: the caller keeps its bakes). */
  fuse(req: Omit2<FuseRequest>): Promise<{ volume: Float32Array; semantic: Float32Array }> {
    return this.call({ ...req, type: 'fuse', id: this.next++ });
  }

  /** t_bounds [count * 2] around the surface of the last fused volume of `portrait` (state `key`). */
  bounds(req: Omit2<BoundsRequest>): Promise<Float32Array> {
    return this.call({ ...req, type: 'bounds', id: this.next++ });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.pending.forEach((p) => p.reject(new Error('The kernel worker was stopped')));
    this.pending.clear();
  }
}
