/**
 * The JS kernels that would block the page for a few hundred ms each (the fuse of a portrait's
 * bakes into the preview volume, the march that bounds the final render's rays) run here, off
 * the main thread. The worker keeps each portrait's region bakes, so an edit sends only the
 * regions that changed. Protocol: kernelClient.ts.
 */
import { fuse, type MaskActivation, type RegionBake } from '../kernels/fuse';
import { marchDepth, minPool3, surfaceBounds } from '../kernels/surface';

export interface FuseRequest {
  type: 'fuse';
  portrait: string;
  key: string;
  baseSdf: Float32Array | null; // null: unchanged
  changed: { k: number; bake: RegionBake }[];
  regions: number;
  colors: number[][];
  activation: MaskActivation;
}

export interface BoundsRequest {
  type: 'bounds';
  portrait: string;
  key: string;
  resolution: number; // bake grid
  bounds: number;
  origins: Float32Array;
  dirs: Float32Array;
  near: number;
  far: number;
  beta: number;
  coordScale: number;
  margin: number;
  size: number; // image side
}

export type KernelRequest = (FuseRequest | BoundsRequest) & { id: number };

interface PortraitCache {
  base: Float32Array | null;
  bakes: RegionBake[];
  fused: { key: string; volume: Float32Array } | null;
}

/** The kernels with their per-portrait caches (also used in-thread where no Worker exists). */
export class KernelHost {
  private readonly portraits = new Map<string, PortraitCache>();

  private cache(portrait: string): PortraitCache {
    let c = this.portraits.get(portrait);
    if (!c) this.portraits.set(portrait, (c = { base: null, bakes: [], fused: null }));
    return c;
  }

  fuse(r: FuseRequest): { volume: Float32Array; semantic: Float32Array } {
    const c = this.cache(r.portrait);
    if (r.baseSdf) c.base = r.baseSdf;
    for (const { k, bake } of r.changed) c.bakes[k] = bake;
    if (!c.base || c.bakes.length !== r.regions || c.bakes.some((b) => !b)) throw new Error('fuse: the worker is missing bakes');
    const fused = fuse(c.base, c.bakes, r.colors, r.activation);
    c.fused = { key: r.key, volume: fused.volume };
    return fused;
  }

  bounds(r: BoundsRequest): Float32Array {
    const c = this.cache(r.portrait);
    if (c.fused?.key !== r.key) throw new Error('bounds: the worker has no fused volume for this state');
    const grid = { volume: c.fused.volume, resolution: r.resolution, bounds: r.bounds };
    const depth = marchDepth(grid, r.origins, r.dirs, r.near, r.far, r.beta, r.coordScale);
    return surfaceBounds(minPool3(depth, r.size, r.size), depth, r.near, r.far, r.margin);
  }
}

// In a worker: answer requests; results go back transferred.
const scope = globalThis as unknown as { WorkerGlobalScope?: unknown; onmessage: unknown; postMessage(m: unknown, t?: Transferable[]): void };
if (typeof scope.WorkerGlobalScope !== 'undefined') {
  const host = new KernelHost();
  scope.onmessage = (e: MessageEvent<KernelRequest>) => {
    const r = e.data;
    try {
      if (r.type === 'fuse') {
        const out = host.fuse(r);
        // The worker keeps `volume` for the bounds march: send a copy of it, transfer the semantic grid.
        const volume = out.volume.slice();
        scope.postMessage({ id: r.id, ok: true, result: { volume, semantic: out.semantic } }, [volume.buffer, out.semantic.buffer]);
      } else {
        const out = host.bounds(r);
        scope.postMessage({ id: r.id, ok: true, result: out }, [out.buffer]);
      }
    } catch (err) {
      scope.postMessage({ id: r.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  };
}
