/**
 * One portrait's render path, cached by content: `mapping` when its z or psi changed, `bake`
 * only for the regions whose codes changed (and `bake_base` when region 0's shape code did),
 * the fuse into the preview volume, then (when wanted) the final render, tile by tile, shown
 * as it goes. A newer request stops a final render between tiles; finished bakes are kept.
 */
import type { Pose } from '../kernels/camera';
import type { RegionBake } from '../kernels/fuse';
import { sameValues } from '../kernels/latent';
import type { LoadedModel } from '../model/loader';
import { finalBeta } from '../model/manifest';
import type { PortraitId } from '../store/store';
import { parseHexColor } from '../kernels/image';
import { bakeBase, bakeRegion } from '../viewport/bakePreview';
import type { KernelClient } from './kernelClient';
import { mapZ, renderFinal, type FinalImage } from '../viewport/finalRender';
import { LatestOnlyQueue } from '../viewport/renderQueue';
import { Slot } from '../viewport/slot';
import type { ShownImage, ShownPreview, ViewportSources } from '../viewport/sources';

export interface PortraitJob {
  key: string; // content key of (z, psi)
  z: Float32Array;
  psi: number;
  pose: Pose;
  /** Render the final image too (visible portraits), not only the preview. */
  final: boolean;
  /** performance.now() of the edit that asked for it (for the edit -> preview time). */
  editedAt: number | null;
}

export interface PipelineEvents {
  preview(ms: number | null): void;
  final(ms: number): void;
}

/** What a portrait's pipeline holds for its current state (read-only views of the caches). */
export interface PortraitData {
  key: string;
  codes: Float32Array; // [2K, C]
  baseSdf: Float32Array | null; // [R^3]
  bakes: (RegionBake | null)[]; // per region, [R^3] sdf / mask_logit, [R^3 * 3] rgb
}

const FINAL_CACHE = 8;
export const finalKey = (key: string, pose: Pose) => `${key}|${pose.yaw}|${pose.pitch}`;

export class PortraitPipeline implements ViewportSources {
  readonly image = new Slot<ShownImage>();
  readonly preview = new Slot<ShownPreview>();
  /** Woken pipelines keep their preview current even while hidden. */
  awake = false;
  private codes: { key: string; data: Float32Array } | null = null;
  private baseRow: Float32Array | null = null;
  private baseSdf: Float32Array | null = null;
  private bakes: ({ rows: Float32Array; bake: RegionBake } | null)[] = [];
  /** Bakes the kernel worker has not seen yet. */
  private unsent = new Set<number>();
  private baseUnsent = false;
  private readonly finals = new Map<string, FinalImage>();
  private waiters: { key: string; resolve(): void; reject(e: unknown): void }[] = [];
  private readonly queue = new LatestOnlyQueue<PortraitJob>((job, isStale) => this.run(job, isStale));

  constructor(
    readonly id: PortraitId,
    readonly model: LoadedModel,
    private readonly events: PipelineEvents,
    private readonly kernels: KernelClient,
  ) {}

  request(job: PortraitJob): Promise<void> {
    return this.queue.request(job);
  }

  settled(): Promise<void> {
    return this.queue.settled();
  }

  get busy(): boolean {
    return this.queue.busy;
  }

  /** Resolves when the preview of state `key` is in the slot (rejects if its bake fails). */
  whenPreview(key: string): Promise<void> {
    if (this.preview.value?.key === key) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ key, resolve, reject }));
  }

  /** The final image of `key` at `pose` when it is complete and on screen. */
  hasFinal(key: string, pose: Pose): boolean {
    const img = this.image.value;
    return !!img && img.key === key && img.done === img.width * img.height && img.pose.yaw === pose.yaw && img.pose.pitch === pose.pitch;
  }

  data(): PortraitData | null {
    if (!this.codes) return null;
    return { key: this.codes.key, codes: this.codes.data, baseSdf: this.baseSdf, bakes: this.bakes.map((b) => b?.bake ?? null) };
  }

  dispose(): void {
    this.image.clear();
    this.preview.clear();
    this.rejectWaiters(new Error('The model was closed'));
  }

  private rejectWaiters(e: unknown): void {
    this.waiters.splice(0).forEach((w) => w.reject(e));
  }

  private async run(job: PortraitJob, isStale: () => boolean): Promise<boolean> {
    try {
      if (!(await this.updatePreview(job, isStale))) return false;
      if (!job.final) return true;
      return await this.renderFinal(job, isStale);
    } catch (e) {
      this.rejectWaiters(e);
      throw e;
    }
  }

  private async updatePreview(job: PortraitJob, isStale: () => boolean): Promise<boolean> {
    const { model } = this;
    const { regions, latent } = model.manifest;
    if (this.preview.value?.key === job.key) return true;
    if (this.codes?.key !== job.key) this.codes = { key: job.key, data: await mapZ(model, job.z, job.psi) };
    const codes = this.codes.data;
    const c = latent.code_dim;
    const baked = this.bakes.map((b) => b?.rows ?? null);
    for (let k = 0; k < regions.length; k++) {
      const rows = codes.slice(2 * k * c, (2 * k + 2) * c);
      if (sameValues(baked[k] ?? null, rows)) continue;
      if (isStale()) return false;
      this.bakes[k] = { rows, bake: await bakeRegion(model, codes, k) };
      this.unsent.add(k);
    }
    const baseRow = codes.slice(0, c);
    if (!this.baseSdf || !sameValues(this.baseRow, baseRow)) {
      if (isStale()) return false;
      this.baseSdf = await bakeBase(model, codes);
      this.baseRow = baseRow;
      this.baseUnsent = true;
    }
    if (this.codes.key !== job.key) return false;
    const changed = [...this.unsent].map((k) => ({ k, bake: this.bakes[k]!.bake }));
    const fused = await this.kernels.fuse({
      portrait: this.id,
      key: job.key,
      baseSdf: this.baseUnsent ? this.baseSdf : null,
      changed,
      regions: regions.length,
      colors: regions.map((r) => parseHexColor(r.color).map((v) => v / 255)),
      activation: model.manifest.render.mask_activation,
    });
    this.unsent.clear();
    this.baseUnsent = false;
    const { bake } = model.manifest;
    this.preview.put({ resolution: bake.resolution, bounds: bake.bounds, ...fused, key: job.key });
    this.events.preview(job.editedAt === null ? null : performance.now() - job.editedAt);
    const [ready, waiting] = partition(this.waiters, (w) => w.key === job.key);
    this.waiters = waiting;
    ready.forEach((w) => w.resolve());
    return true;
  }

  private async renderFinal(job: PortraitJob, isStale: () => boolean): Promise<boolean> {
    const fk = finalKey(job.key, job.pose);
    const cached = this.finals.get(fk);
    if (cached) {
      this.image.put({ ...cached, key: job.key });
      return true;
    }
    const start = performance.now();
    const surface = this.preview.value?.key === job.key ? this.preview.value : null;
    const { camera, render, bake } = this.model.manifest;
    const bounds = surface
      ? (origins: Float32Array, dirs: Float32Array) =>
          this.kernels.bounds({
            portrait: this.id,
            key: job.key,
            resolution: bake.resolution,
            bounds: bake.bounds,
            origins,
            dirs,
            near: camera.near,
            far: camera.far,
            beta: finalBeta(render),
            coordScale: camera.coord_scale,
            margin: render.surface_margin ?? 0,
            size: render.resolution,
          })
      : undefined;
    const onTile = (partial: FinalImage) => {
      if (partial.done < partial.width * partial.height) this.image.put({ ...partial, key: job.key });
    };
    const image = await renderFinal(this.model, this.codes!.data, job.pose, isStale, surface, onTile, bounds);
    if (!image) return false;
    this.finals.set(fk, image);
    if (this.finals.size > FINAL_CACHE) this.finals.delete(this.finals.keys().next().value!);
    this.image.put({ ...image, key: job.key });
    this.events.final(performance.now() - start);
    return true;
  }
}

function partition<T>(xs: T[], pred: (x: T) => boolean): [T[], T[]] {
  return [xs.filter(pred), xs.filter((x) => !pred(x))];
}
