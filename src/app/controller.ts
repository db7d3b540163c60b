/**
 * Wires the pieces together: backend choice, index and model loading, portrait codes, and
 * coalesced final renders whenever the model, seed or pose changes. Heavy data (sessions,
 * codes, images) lives here, not in the store.
 */
import { BackendError, chooseBackend, detectBackends, requestedBackend, wasmThreadCount, type BackendChoice } from '../runtime/backend';
import { configureRuntime, GraphSession } from '../runtime/graphSession';
import type { Feeds, Outputs } from '../runtime/tensors';
import { fetchJson } from '../model/files';
import { loadModel, type LoadedModel } from '../model/loader';
import { GRAPH_NAMES, type GraphName } from '../model/manifest';
import { parseIndex, pickModel } from '../model/modelIndex';
import type { Pose } from '../kernels/camera';
import type { FacetState, FacetStore } from '../store/store';
import { mapCodes, renderFinal } from '../viewport/finalRender';
import { bakeVolume } from '../viewport/bakePreview';
import type { ShownImage, ShownPreview } from '../viewport/sources';
import { Slot } from '../viewport/slot';
import { SerialQueue } from '../runtime/serialQueue';
import { LatestOnlyQueue } from '../viewport/renderQueue';
import { describeError, loadFailure } from './messages';

const NO_WEBGPU = Object.freeze({ webgpu: false, adapter: null, reason: 'not probed (?backend=wasm)' });

interface RenderJob {
  model: LoadedModel;
  seed: number;
  pose: Pose;
}

export class FacetController {
  readonly image = new Slot<ShownImage>();
  readonly preview = new Slot<ShownPreview>();
  private readonly indexUrl = new URL('models/index.json', new URL(import.meta.env.BASE_URL, location.href)).href;
  private choice: BackendChoice | null = null;
  private backendError: string | null = null;
  private model: LoadedModel | null = null;
  private generation = 0;
  private codes: { model: LoadedModel; seed: number; data: Float32Array } | null = null;
  private baking: Promise<void> = Promise.resolve();
  private seedChosen = false;
  private readonly queue = new LatestOnlyQueue<RenderJob>((job, isStale) => this.render(job, isStale));

  constructor(
    readonly store: FacetStore,
    private readonly params: URLSearchParams,
  ) {}

  get loadedModel(): LoadedModel | null {
    return this.model;
  }

  async start(): Promise<void> {
    const seed = Number(this.params.get('seed'));
    if (this.params.has('seed') && Number.isFinite(seed)) {
      this.store.getState().setSeed(seed);
      this.seedChosen = true;
    }
    this.store.subscribe((s, prev) => this.onChange(s, prev));
    this.store.getState().setProgress('Looking for a graphics device', 0);
    await this.pickBackend();
    await this.openIndex();
  }

  private async pickBackend(): Promise<void> {
    const threads = wasmThreadCount(globalThis.crossOriginIsolated === true, navigator.hardwareConcurrency);
    try {
      const requested = requestedBackend(this.params);
      // Skip probing the GPU when wasm is forced (Chromium logs a warning when it finds none).
      const table = requested === 'wasm' ? NO_WEBGPU : await detectBackends();
      this.choice = chooseBackend(table, requested, threads);
      configureRuntime(threads, this.params.get('ortlog') === 'verbose');
      this.store.getState().setBackend(this.choice.backend, this.choice.adapter);
    } catch (e) {
      // Forced WebGPU that is missing still reports 'webgpu', so tests see what was asked for.
      if (this.params.get('backend') === 'webgpu') this.store.getState().setBackend('webgpu', 'no WebGPU adapter');
      this.backendError = e instanceof BackendError ? e.message : `Could not choose a backend: ${String(e)}`;
      this.store.getState().setError(this.backendError);
    }
  }

  private async openIndex(): Promise<void> {
    let index;
    try {
      index = parseIndex(await fetchJson(this.indexUrl, 'index.json'));
    } catch (e) {
      return this.store.getState().setError(`Could not read the list of models: ${describeError(e)}`);
    }
    this.store.getState().setModels(index.models);
    try {
      this.store.getState().selectModel(pickModel(index, this.params.get('model')).id);
    } catch (e) {
      this.store.getState().setError(`${describeError(e)}. Pick a model above.`);
    }
  }

  private onChange(s: FacetState, prev: FacetState): void {
    const reopen = s.modelId !== prev.modelId || s.reloads !== prev.reloads;
    if (reopen && s.modelId) return void this.open(s.modelId);
    // While dragging with a preview on screen, the final render waits for the camera to rest.
    const previewing = s.dragging && this.preview.value?.seed === s.seed;
    const rested = prev.dragging && !s.dragging;
    if (s.seed !== prev.seed || rested || (s.pose !== prev.pose && !previewing)) {
      void this.requestRender().catch(() => {});
    }
  }

  private async open(id: string): Promise<void> {
    const generation = ++this.generation;
    const entry = this.store.getState().models.find((m) => m.id === id)!;
    const old = this.model;
    this.model = null;
    this.codes = null;
    this.image.clear();
    this.preview.clear();
    this.store.getState().setManifest(null);
    await old?.dispose();
    if (this.backendError || !this.choice) {
      this.store.getState().setError(this.backendError ?? 'No backend');
      return;
    }
    const backend = this.choice.backend;
    const { setProgress } = this.store.getState();
    const runs = new SerialQueue(); // one queue for the model's sessions: bake and final never overlap
    setProgress(`Opening ${entry.name}`, 0);
    try {
      const model = await loadModel(entry, {
        indexUrl: this.indexUrl,
        createGraph: (name, bytes, spec) => GraphSession.create(name, bytes, spec, backend, runs),
        onProgress: (p) => generation === this.generation && setProgress(p.label, p.fraction),
      });
      if (generation !== this.generation) return void (await model.dispose());
      // The first model's default_seed applies unless ?seed= chose one.
      if (!this.seedChosen && model.manifest.default_seed !== undefined) this.store.getState().setSeed(model.manifest.default_seed);
      this.seedChosen = true;
      this.model = model;
      this.store.getState().setManifest(model.manifest);
      setProgress('Rendering the first portrait', 1);
      await this.requestRender();
    } catch (e) {
      if (generation === this.generation) this.store.getState().setError(loadFailure(entry.name, e));
    }
  }

  /** Queue a final render of the current seed and pose (coalesced with any pending one). */
  requestRender(): Promise<void> {
    if (!this.model) return Promise.resolve();
    const { seed, pose } = this.store.getState();
    return this.queue.request({ model: this.model, seed, pose });
  }

  /** Resolves once every requested render has been shown. */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  private async render(job: RenderJob, isStale: () => boolean): Promise<boolean> {
    if (job.model !== this.model) return false;
    const start = performance.now();
    try {
      const codes = await this.portraitCodes(job);
      const surface = this.preview.value?.seed === job.seed ? this.preview.value : null;
      const image = await renderFinal(job.model, codes, job.pose, () => isStale() || job.model !== this.model, surface);
      if (!image || job.model !== this.model) return false;
      this.image.put({ ...image, seed: job.seed });
      this.store.getState().frameShown(performance.now() - start);
      return true;
    } catch (e) {
      if (job.model !== this.model) return false;
      this.store.getState().setError(`Rendering failed: ${describeError(e)}`);
      throw e;
    }
  }

  /**
   * The codes for the job's seed (`mapping` when the seed changed, then the bake). When the
   * model samples around the surface (`render.surface_margin`) the final render needs the
   * baked volume, so it waits for the bake; otherwise the bake runs beside it.
   */
  private async portraitCodes(job: RenderJob): Promise<Float32Array> {
    if (this.codes?.model !== job.model || this.codes.seed !== job.seed) {
      const data = await mapCodes(job.model, job.seed);
      this.codes = { model: job.model, seed: job.seed, data };
      this.baking = this.bake(job.model, job.seed, data);
    }
    if (job.model.manifest.render.surface_margin !== undefined) await this.baking;
    return this.codes.data;
  }

  /** Bakes and fuses the portrait's volume for the preview; runs beside the final renders. */
  private async bake(model: LoadedModel, seed: number, codes: Float32Array): Promise<void> {
    const stale = () => this.codes?.data !== codes || this.model !== model;
    try {
      const baked = await bakeVolume(model, codes, stale);
      if (baked && !stale()) this.preview.put({ ...baked, seed });
    } catch (e) {
      // The preview is an aid: without it the final render still follows the camera.
      if (!stale()) console.warn(`Preview bake failed: ${describeError(e)}`);
    }
  }

  /** Runs one graph of the loaded model on the active backend (for tests and tools). */
  async runGraph(name: string, feeds: Feeds): Promise<Outputs> {
    const model = this.model;
    if (!model) throw new Error('No model is loaded');
    if (!(GRAPH_NAMES as readonly string[]).includes(name)) throw new Error(`No graph "${name}" (graphs: ${GRAPH_NAMES.join(', ')})`);
    return model.graphs[name as GraphName].run(feeds);
  }
}
