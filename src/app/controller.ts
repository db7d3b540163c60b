/**
 * Wires the pieces together: backend choice, index and model loading, the two portraits'
 * pipelines (app/portraitPipeline.ts), edits as undoable commands (commands/), sessions. Heavy
 * data (sessions, codes, bakes, images) lives here, not in the store.
 *
 * Hooks for tools (e.g. mask reshaping), all on the controller:
 * - `portraitState(id)`: { z, psi, seed, locks } of portrait A or B (z [num_codes * z_dim], row-major).
 * - `portraitData(id)`: { key, codes [2K * C], baseSdf, bakes[k] } of the last preview (null before).
 * - `applyRegionZ(id, region, { shape?, texture? }, label)`: one undoable command that sets that
 *   region's z rows; resolves when the re-baked preview is in place.
 * - `reshape(id, target, opts)` / `canReshape()`: paint to reshape (app/reshape.ts).
 */
import { BackendError, chooseBackend, detectBackends, requestedBackend, wasmThreadCount, type BackendChoice } from '../runtime/backend';
import { configureRuntime, GraphSession } from '../runtime/graphSession';
import type { Feeds, Outputs } from '../runtime/tensors';
import { fetchJson } from '../model/files';
import { loadModel, type LoadedModel } from '../model/loader';
import { type GraphName } from '../model/manifest';
import { parseIndex, pickModel } from '../model/modelIndex';
import type { Pose } from '../kernels/camera';
import { contentKey, type CodeKind } from '../kernels/latent';
import { PORTRAIT_IDS, type FacetState, type FacetStore, type Portrait, type PortraitId } from '../store/store';
import { SerialQueue } from '../runtime/serialQueue';
import { Command } from '../commands/command';
import { blendEdit, psiEdit, psiOf, regionEdit, regionsZEdit, regionZEdit, samePortrait, type RegionRows, seedEdit, sliderEdit, zOf, type EditState, type RegionAction } from '../commands/edits';
import { PortraitPipeline, type PortraitData } from './portraitPipeline';
import type { ViewportRenderer } from '../viewport/viewportRenderer';
import { fromSession, toSession } from './session';
import { KernelClient } from './kernelClient';
import { describeError, loadFailure } from './messages';
import { reshapePortrait, reshapeSupport, type ReshapeOptions, type ReshapeResult } from './reshape';

const NO_WEBGPU = Object.freeze({ webgpu: false, adapter: null, reason: 'not probed (?backend=wasm)' });

export const isVisible = (s: Pick<FacetState, 'layout'>, id: PortraitId) => s.layout === 'side' || s.layout === id;
export const poseOf = (s: Pick<FacetState, 'pose' | 'poseB'>, id: PortraitId): Pose => (id === 'A' ? s.pose : s.poseB);
const moving = (s: FacetState) => s.dragging || s.turntable;

/** A portrait's state as the pipeline needs it, computed once per Portrait object. */
interface Resolved {
  key: string;
  z: Float32Array;
  psi: number;
}

export class FacetController {
  private readonly indexUrl = new URL('models/index.json', new URL(import.meta.env.BASE_URL, location.href)).href;
  private choice: BackendChoice | null = null;
  private backendError: string | null = null;
  private model: LoadedModel | null = null;
  private generation = 0;
  private seedChosen = false;
  private pipelines: Partial<Record<PortraitId, PortraitPipeline>> = {};
  private kernels: KernelClient | null = null;
  private readonly resolved = new WeakMap<Portrait, Resolved>();
  private readonly editedAt: Partial<Record<PortraitId, number>> = {};
  private readonly requested: Partial<Record<PortraitId, string>> = {};
  private lastEdit: number | null = null;

  constructor(
    readonly store: FacetStore,
    private readonly params: URLSearchParams,
  ) {}

  get loadedModel(): LoadedModel | null {
    return this.model;
  }

  /** The viewport's sources for a portrait (null before a model is open). */
  sources(id: PortraitId): PortraitPipeline | null {
    return this.pipelines[id] ?? null;
  }

  /** Content key of portrait `id`'s current state (what its preview and image must match). */
  currentKey(id: PortraitId): string | null {
    return this.pipelines[id] ? this.resolve(id).key : null;
  }

  /** The mounted viewports (the UI registers them; the benchmark draws through A's). */
  readonly viewports: Partial<Record<PortraitId, ViewportRenderer>> = {};

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
      configureRuntime(threads, this.params.get('ortlog') === 'verbose', this.choice.backend === 'wasm' && this.params.get('proxy') !== '0');
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
    if (!this.model) return;
    const rested = moving(prev) && !moving(s);
    for (const id of PORTRAIT_IDS) {
      const pipe = this.pipelines[id];
      if (!pipe) continue;
      const edited = s.portraits[id] !== prev.portraits[id];
      const visible = isVisible(s, id);
      // Edit -> preview time counts only for portraits that re-bake now (a hidden one waits).
      if (edited) this.editedAt[id] = visible || pipe.awake ? performance.now() : undefined;
      if (!visible && !pipe.awake) continue;
      const posed = poseOf(s, id) !== poseOf(prev, id);
      const shown = visible && !isVisible(prev, id);
      // While the camera moves with a current preview on screen, the final render waits for it to rest.
      const previewing = moving(s) && pipe.preview.value?.key === this.resolve(id).key;
      if (edited || rested || shown || (posed && !previewing) || (s.manifest !== prev.manifest && s.manifest)) {
        void this.request(id).catch(() => {});
      }
    }
  }

  private resolve(id: PortraitId): Resolved {
    const s = this.store.getState();
    const p = s.portraits[id];
    const manifest = s.manifest ?? this.model?.manifest;
    if (!manifest) throw new Error('No model is open yet');
    let r = this.resolved.get(p);
    if (!r) {
      const z = zOf(p, manifest);
      const psi = psiOf(p, manifest);
      r = { key: contentKey(z, psi), z, psi };
      this.resolved.set(p, r);
    }
    return r;
  }

  private async open(id: string): Promise<void> {
    const generation = ++this.generation;
    const entry = this.store.getState().models.find((m) => m.id === id)!;
    const old = this.model;
    this.model = null;
    Object.values(this.pipelines).forEach((p) => p.dispose());
    this.pipelines = {};
    this.kernels?.dispose();
    this.kernels = null;
    this.store.getState().setManifest(null);
    await old?.dispose();
    if (this.backendError || !this.choice) {
      this.store.getState().setError(this.backendError ?? 'No backend');
      return;
    }
    const backend = this.choice.backend;
    const { setProgress } = this.store.getState();
    const runs = new SerialQueue(); // one queue for the model's sessions: bakes and finals never overlap
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
      if (this.seedChosen && old) this.store.getState().setSeed(this.store.getState().portraits.A.seed); // z of another model does not fit
      this.seedChosen = true;
      this.store.getState().clearHistory();
      this.model = model;
      const kernels = (this.kernels = new KernelClient(this.params.get('kernels') !== 'main'));
      for (const pid of PORTRAIT_IDS) {
        this.pipelines[pid] = new PortraitPipeline(pid, model, {
          preview: (ms) => {
            if (ms === null || generation !== this.generation) return;
            this.lastEdit = ms;
            this.store.getState().setLastEdit(ms);
          },
          final: (ms) => generation === this.generation && this.store.getState().frameShown(ms),
        }, kernels);
      }
      setProgress('Rendering the first portrait', 1);
      this.store.getState().setManifest(model.manifest); // onChange requests the visible portraits
      await this.settled();
    } catch (e) {
      if (generation === this.generation) this.store.getState().setError(loadFailure(entry.name, e));
    }
  }

  /**
   * Asks portrait `id`'s pipeline for its current state and pose: the preview, and the final
   * render when `final` (default: the portrait is visible and the camera rests). A request equal
   * to the one in flight is not repeated (it would restart it).
   */
  request(id: PortraitId, final?: boolean): Promise<void> {
    const pipe = this.pipelines[id];
    if (!pipe || !this.model) return Promise.resolve();
    const s = this.store.getState();
    const wantFinal = final ?? (isVisible(s, id) && !moving(s));
    const r = this.resolve(id);
    const pose = poseOf(s, id);
    const tag = `${r.key}|${pose.yaw}|${pose.pitch}|${wantFinal}`;
    if (pipe.busy && this.requested[id] === tag) return pipe.settled();
    this.requested[id] = tag;
    const editedAt = this.editedAt[id] ?? null;
    this.editedAt[id] = undefined;
    const model = this.model;
    return pipe.request({ ...r, pose, final: wantFinal, editedAt }).catch((e) => {
      if (model === this.model) this.store.getState().setError(`Rendering failed: ${describeError(e)}`);
      throw e;
    });
  }

  /** Resolves when every pending bake and final render of the visible portraits is done and shown. */
  async settled(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const s = this.store.getState();
      if (!this.model || s.phase === 'error') return;
      const pending: Promise<void>[] = [];
      for (const id of PORTRAIT_IDS) {
        const pipe = this.pipelines[id];
        if (!pipe) continue;
        const r = this.resolve(id);
        if (isVisible(s, id) && !moving(s) && !pipe.hasFinal(r.key, poseOf(s, id))) pending.push(this.request(id, true));
        else if (pipe.awake && pipe.preview.value?.key !== r.key) pending.push(this.request(id, false));
        else if (pipe.busy) pending.push(pipe.settled());
      }
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** The final image of portrait `id` for its current state and pose (rendered now if hidden). */
  async finalImage(id: PortraitId) {
    const pipe = this.pipelines[id];
    if (!pipe) throw new Error('No model is open yet');
    for (let round = 0; round < 20; round++) {
      const r = this.resolve(id);
      const pose = poseOf(this.store.getState(), id);
      if (pipe.hasFinal(r.key, pose)) return pipe.image.value!;
      await this.request(id, true);
    }
    throw new Error(`The final image of portrait ${id} kept changing`);
  }

  /** Resolves when portrait `id`'s preview shows its current state (wakes a hidden portrait). */
  async whenPreview(id: PortraitId): Promise<void> {
    const pipe = this.pipelines[id];
    if (!pipe) throw new Error('No model is open yet');
    for (let round = 0; round < 20; round++) {
      const { key } = this.resolve(id);
      if (pipe.preview.value?.key === key) return;
      if (!isVisible(this.store.getState(), id)) pipe.awake = true;
      void this.request(id).catch(() => {});
      await pipe.whenPreview(key);
    }
  }

  // ---- edits (each one undoable command) ------------------------------------------------------

  private editState(): EditState {
    const s = this.store.getState();
    return { manifest: s.manifest, portraits: s.portraits };
  }

  /**
   * Runs an edit as a command and resolves when the previews of the portraits it changed are in
   * place. A failing edit changes nothing and puts its reason in the interface (`notice`).
   */
  async execute(build: (state: EditState) => Command, wait: PortraitId[] | null = null): Promise<void> {
    let command: Command;
    try {
      command = build(this.editState());
    } catch (e) {
      this.store.getState().setNotice(describeError(e));
      throw e;
    }
    this.store.getState().setNotice(null);
    const manifest = this.store.getState().manifest;
    // An edit that changes nothing (e.g. a range input's closing 'change' at the value it has) is not an undo step.
    if (manifest && command.portraits.every((id) => samePortrait(command.before[id], command.after[id], manifest))) return;
    this.store.getState().execute(command);
    await this.afterEdit(wait ?? command.portraits);
  }

  private async afterEdit(ids: PortraitId[]): Promise<void> {
    const s = this.store.getState();
    // Wait for the previews that are on screen (or awake); a hidden portrait updates when shown.
    const shown = ids.filter((id) => isVisible(s, id) || this.pipelines[id]?.awake);
    await Promise.all((shown.length ? shown : ids.slice(0, 1)).map((id) => this.whenPreview(id)));
  }

  setSlider(id: PortraitId, region: string, kind: CodeKind, name: string, value: number, open = false): Promise<void> {
    return this.execute((st) => sliderEdit(st, id, region, kind, name, value, open), [id]);
  }

  regionAction(id: PortraitId, region: string, action: RegionAction): Promise<void> {
    return this.execute((st) => regionEdit(st, id, region, action), [id]);
  }

  blend(id: PortraitId, region: string, t: number, open = false): Promise<void> {
    return this.execute((st) => blendEdit(st, id, region, t, open), [id]);
  }

  setSeed(id: PortraitId, seed: number): Promise<void> {
    return this.execute((st) => seedEdit(st, id, seed), [id]);
  }

  setPsi(id: PortraitId, psi: number, open = false): Promise<void> {
    return this.execute((st) => psiEdit(st, id, psi, open), [id]);
  }

  /** Hook: set region `region`'s shape and/or texture z rows of portrait `id` as one undoable command. */
  applyRegionZ(id: PortraitId, region: string, rows: { shape?: ArrayLike<number>; texture?: ArrayLike<number> }, label?: string): Promise<void> {
    return this.execute((st) => regionZEdit(st, id, region, rows, label), [id]);
  }

  /** Hook: set several regions' z rows of portrait `id` as ONE undoable command labelled `<id>: <label>`. */
  applyRegionsZ(id: PortraitId, changes: RegionRows[], label: string): Promise<void> {
    return this.execute((st) => regionsZEdit(st, id, changes, label), [id]);
  }

  /** Whether the open model can reshape by painting (a reason for the interface when not). */
  canReshape(): { ok: boolean; reason?: string } {
    return reshapeSupport(this.model);
  }

  /**
   * Paint to reshape: portrait `id`'s edited regions (see kernels/paint.ts editedRegions) get
   * the shape codes whose rendered mask at the current camera best matches `target` (region
   * index per pixel of its final image, row 0 at the top). Commits one undoable command and
   * resolves when the new preview is in place; changes nothing when nothing fits better, when
   * cancelled (rejects with ReshapeCancelled, name 'AbortError') or on error (rejects with a sentence).
   */
  reshape(id: PortraitId, target: Uint8Array, opts: ReshapeOptions = {}): Promise<ReshapeResult> {
    const model = this.model;
    if (!model) return Promise.reject(new Error('No model is open yet'));
    return reshapePortrait(
      {
        model,
        finalImage: (pid) => this.finalImage(pid),
        whenPreview: (pid) => this.whenPreview(pid),
        currentKey: (pid) => this.currentKey(pid),
        portraitState: (pid) => this.portraitState(pid),
        portraitData: (pid) => this.portraitData(pid),
        commit: (pid, changes, label) => this.applyRegionsZ(pid, changes, label),
      },
      id,
      target,
      opts,
    );
  }

  /** Hook: a portrait's latent state (copies). */
  portraitState(id: PortraitId): { seed: number; psi: number; z: Float32Array; locks: boolean[] } {
    const { z, psi } = this.resolve(id);
    const p = this.store.getState().portraits[id];
    return { seed: p.seed, psi, z: z.slice(), locks: this.store.getState().manifest!.regions.map((_, k) => p.locks[k] ?? false) };
  }

  /** Hook: the codes and per-region bakes behind portrait `id`'s preview (null before its first bake). */
  portraitData(id: PortraitId): PortraitData | null {
    return this.pipelines[id]?.data() ?? null;
  }

  /** Ends a slider drag: the next edit is a new undo step. */
  endGesture(): void {
    this.store.getState().closeGesture();
  }

  async undo(): Promise<void> {
    const top = this.store.getState().past.at(-1);
    if (!top) return;
    this.store.getState().undo();
    await this.afterEdit(top.portraits);
  }

  async redo(): Promise<void> {
    const next = this.store.getState().future.at(-1);
    if (!next) return;
    this.store.getState().redo();
    await this.afterEdit(next.portraits);
  }

  /** ms from the last edit to its new preview. */
  lastEditMs(): number | null {
    return this.lastEdit;
  }

  // ---- sessions -------------------------------------------------------------------------------

  saveSession(): string {
    const s = this.store.getState();
    if (!s.manifest || !s.modelId) throw new Error('No model is open yet');
    const codes: Partial<Record<PortraitId, Float32Array>> = {};
    for (const id of PORTRAIT_IDS) {
      const d = this.pipelines[id]?.data();
      if (d && d.key === this.resolve(id).key) codes[id] = d.codes;
    }
    const session = toSession(s.modelId, s.manifest, s.portraits, s.past.map((c) => c.label), codes);
    return JSON.stringify(session, null, 1);
  }

  /** Validates and applies a session file as one undoable command; a bad file changes nothing. */
  loadSession(json: string): Promise<void> {
    return this.execute((st) => {
      const s = this.store.getState();
      if (!st.manifest || !s.modelId) throw new Error('No model is open yet');
      const portraits = fromSession(json, s.modelId, st.manifest);
      return new Command('load session', { ...st.portraits }, portraits);
    });
  }

  /** Runs one graph of the loaded model on the active backend (for tests and tools). */
  async runGraph(name: string, feeds: Feeds): Promise<Outputs> {
    const model = this.model;
    if (!model) throw new Error('No model is loaded');
    const graph = (model.graphs as Partial<Record<string, (typeof model.graphs)[GraphName]>>)[name];
    if (!graph) throw new Error(`No graph "${name}" (graphs: ${Object.keys(model.graphs).join(', ')})`);
    return graph.run(feeds);
  }
}
