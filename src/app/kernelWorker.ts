/**
 * The JS kernels that would block the page for a few hundred ms each (the fuse of a portrait's
 * bakes into the preview volume, the march that bounds the final render's rays) run here, off
 * the main thread. The worker keeps each portrait's region bakes and fuse sums, so an edit sends
 * only the regions that changed, and a change of one region is fused without the others
 * (kernels/fuse.ts updateRegion). Protocol: kernelClient.ts.
 */
import { fuseState, updateBase, updateRegion, type FuseState, type MaskActivation, type RegionBake } from '../kernels/fuse';
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
  /** The last fuse's sums, with what it was made of (colors and activation as a key). */
  state: { st: FuseState; how: string } | null;
}

/** The kernels with their per-portrait caches (also used in-thread where no Worker exists). */
export class KernelHost {
  private readonly portraits = new Map<string, PortraitCache>();

  private cache(portrait: string): PortraitCache {
    let c = this.portraits.get(portrait);
    if (!c) this.portraits.set(portrait, (c = { base: null, bakes: [], fused: null, state: null }));
    return c;
  }

  /**
   * The fused volume of the portrait's bakes after this request's changes, as copies: the
   * worker keeps its own grids for the next update and the bounds march.
   */
  fuse(r: FuseRequest): { volume: Float32Array; semantic: Float32Array } {
    const c = this.cache(r.portrait);
    if (r.baseSdf) c.base = r.baseSdf;
    for (const { k, bake } of r.changed) c.bakes[k] = bake;
    if (!c.base || c.bakes.length !== r.regions || c.bakes.some((b) => !b)) throw new Error('fuse: the worker is missing bakes');
    const how = `${r.activation}|${JSON.stringify(r.colors)}`;
    const old = c.state;
    // Few regions changed on top of the last fuse: update it; else fuse every region.
    if (old && old.how === how && old.st.regions.length === r.regions && r.changed.length <= 2) {
      if (r.baseSdf) updateBase(old.st, r.baseSdf);
      for (const { k, bake } of r.changed) updateRegion(old.st, k, bake);
    } else {
      c.state = { st: fuseState(c.base, c.bakes, r.colors, r.activation), how };
    }
    const st = c.state!.st;
    c.fused = { key: r.key, volume: st.volume };
    return { volume: st.volume.slice(), semantic: st.semantic.slice() };
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
        const { volume, semantic } = host.fuse(r); // copies: transfer them
        scope.postMessage({ id: r.id, ok: true, result: { volume, semantic } }, [volume.buffer, semantic.buffer]);
      } else {
        const out = host.bounds(r);
        scope.postMessage({ id: r.id, ok: true, result: out }, [out.buffer]);
      }
    } catch (err) {
      scope.postMessage({ id: r.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  };
}
