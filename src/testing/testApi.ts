/**
 * `window.facet`: the typed handle the end-to-end tests drive the app through. Always
 * installed (it is small).
 */
import type { RegionAction } from '../commands/edits';
import type { FacetController } from '../app/controller';
import type { PaintTool } from '../app/paintTool';
import type { Feeds } from '../runtime/tensors';
import { editedRegions, paintEdit } from '../kernels/paint';
import { iou } from '../kernels/reshape';

export type Backend = 'webgpu' | 'wasm';
export type PortraitName = 'A' | 'B';
export type CodeKind = 'shape' | 'texture';
/** The regions panel's actions (one list: src/commands/edits.ts). */
export type RegionActionName = RegionAction;

export interface FacetInfo {
  modelId: string;
  backend: Backend;
  adapter: string;
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  framesRendered: number;
  pose: { yaw: number; pitch: number };
  seed: number; // portrait A's
  seedB: number;
  layout: 'A' | 'B' | 'side';
  /** Undo steps, oldest first, and redo steps, next first. */
  history: string[];
  future: string[];
  /** The last edit error shown in the interface, if any. */
  notice: string | null;
}

export interface Labels {
  width: number;
  height: number;
  labels: number[]; // region index per pixel, row 0 at the top
}

export interface Pixels {
  width: number;
  height: number;
  rgba: number[];
}

export interface Feed {
  type: 'float32' | 'int64';
  dims: number[];
  data: number[];
}

export interface GraphOutput {
  dims: number[];
  data: number[];
}

type FeedSpec = Record<string, Feed>;

/** Paint to reshape, as the paint panel shows it. */
export interface PaintInfo {
  on: boolean;
  portrait: PortraitName | null;
  tool: 'brush' | 'eraser' | 'fill';
  region: string | null;
  size: number;
  /** Pixels whose painted target differs from the current mask. */
  pending: number;
  undoSteps: number;
  redoSteps: number;
  /** The current mask is in place (painting possible). */
  ready: boolean;
  applying: { done: number; total: number } | null;
  result: string | null;
  canReshape: { ok: boolean; reason?: string } | null;
}

/** One scripted paint-to-reshape edit (applyMask): the measures of `facet reshape-bench`'s rows. */
export interface MaskApply {
  edit: string;
  /** Regions the painting edits (by name). */
  edited: string[];
  /** ms from the painted target to the committed codes and their new preview. */
  ms: number;
  /** Of which: the reshape graph, the TypeScript proxy, the commit (re-bake and new preview). */
  graphMs: number;
  proxyMs: number;
  commitMs: number;
  changed: boolean;
  evaluations: number;
  message: string;
  /** Mean over the edited regions of IoU(painted target, mask) before and after the apply. */
  target_iou_before: number;
  target_iou: number;
  /** The smallest IoU, over the other regions present, of the mask after vs before. */
  others_iou: number;
  /** The same against the painted mask (the pixels painted over a region count as asked for). */
  others_iou_vs_painting: number;
}

/** The contract the end-to-end tests (e2e/support/facetApi.ts) drive. */
export interface FacetTestApi {
  whenReady(): Promise<void>;
  info(): FacetInfo;
  setPose(yaw: number, pitch: number): Promise<void>;
  /** An undoable seed change of portrait A (or `portrait`), then settled(). */
  setSeed(seed: number, portrait?: PortraitName): Promise<void>;
  /** The final image of a portrait (default A) for its current state and pose; renders it if needed. */
  imagePixels(portrait?: PortraitName): Promise<Pixels>;
  /** Region index per pixel of that final image. */
  labels(portrait?: PortraitName): Promise<Labels>;
  runGraph(graph: string, feeds: FeedSpec): Promise<Record<string, GraphOutput>>;
  /** Resolves when every pending bake and final render of the visible portraits is done and shown. */
  settled(): Promise<void>;
  /** One undoable edit; resolves when the re-baked preview is in place (not the final render). */
  setSlider(portrait: PortraitName, region: string, kind: CodeKind, name: string, value: number): Promise<void>;
  /** copy-* copies FROM the other portrait INTO `portrait`; resolves when the preview is updated. */
  regionAction(portrait: PortraitName, region: string, action: RegionActionName): Promise<void>;
  /** The region's blend slider (0: as it was, 1: the other portrait's region). */
  blend(portrait: PortraitName, region: string, t: number): Promise<void>;
  undo(): Promise<void>;
  redo(): Promise<void>;
  /** n preview frames of portrait A at 512 x 512, yaw stepping, each synchronised with the GPU: ms per frame. */
  previewFrames(n: number): Promise<number[]>;
  /** The session as JSON, as the UI's Save writes it. */
  saveSession(): string;
  /** Loads a session (as the UI's Open does): validated, one undoable edit; rejects with the reason. */
  loadSession(json: string): Promise<void>;
  /** ms from the last edit to its new preview. */
  lastEditMs(): number | null;
  /** Which portraits are on screen: 'A', 'B' or 'side' (both). */
  setLayout(layout: 'A' | 'B' | 'side'): Promise<void>;
  /** The paint tool's state (counts, tool, region, a running apply, the last outcome). */
  paintInfo(): PaintInfo;
  /** The painted target of the portrait being painted (region index per pixel), or null when not painting on it. */
  paintLayer(portrait?: PortraitName): Labels | null;
  /**
   * Paints one of the scripted edits of kernels/paint.ts (hair_longer, mouth_wider, ...; the
   * cases of bench/reshape-cases.json) on the portrait's final labels and applies it (one
   * undoable step, like the Paint panel's Apply), then renders the final image to measure it.
   */
  applyMask(portrait: PortraitName, edit: string): Promise<MaskApply>;
}

declare global {
  interface Window {
    facet: FacetTestApi;
  }
}

function toFeeds(spec: FeedSpec): Feeds {
  const feeds: Feeds = {};
  for (const [name, t] of Object.entries(spec)) {
    feeds[name] =
      t.type === 'int64'
        ? { type: 'int64', dims: t.dims, data: BigInt64Array.from(t.data, (v) => BigInt(Math.trunc(v))) }
        : { type: 'float32', dims: t.dims, data: Float32Array.from(t.data) };
  }
  return feeds;
}

export function createTestApi(controller: FacetController, paint: PaintTool): FacetTestApi {
  const { store } = controller;

  const whenReady = () =>
    new Promise<void>((resolve, reject) => {
      let unsubscribe: (() => void) | null = null;
      let done = false;
      const check = () => {
        const s = store.getState();
        if (s.phase === 'error') reject(new Error(s.error ?? 'Loading failed'));
        else if (s.phase === 'ready' && s.framesRendered > 0) resolve();
        else return;
        done = true;
        unsubscribe?.();
      };
      check();
      if (!done) unsubscribe = store.subscribe(check);
    });

  return {
    whenReady,
    info() {
      const s = store.getState();
      return {
        modelId: s.modelId ?? '',
        backend: s.backend ?? 'wasm',
        adapter: s.adapter,
        status: s.phase,
        error: s.error,
        framesRendered: s.framesRendered,
        pose: { ...s.pose },
        seed: s.portraits.A.seed,
        seedB: s.portraits.B.seed,
        layout: s.layout,
        history: s.past.map((c) => c.label),
        future: [...s.future].reverse().map((c) => c.label),
        notice: s.notice,
      };
    },
    async setPose(yaw, pitch) {
      await whenReady();
      store.getState().setPose({ yaw, pitch });
      await controller.settled();
    },
    async setSeed(seed, portrait = 'A') {
      await whenReady();
      await controller.setSeed(portrait, seed);
      await controller.settled();
    },
    async imagePixels(portrait = 'A') {
      const image = await controller.finalImage(portrait);
      return { width: image.width, height: image.height, rgba: Array.from(image.rgba) };
    },
    async labels(portrait = 'A') {
      const image = await controller.finalImage(portrait);
      return { width: image.width, height: image.height, labels: Array.from(image.labels) };
    },
    settled: () => controller.settled(),
    setSlider: (portrait, region, kind, name, value) => controller.setSlider(portrait, region, kind, name, value),
    regionAction: (portrait, region, action) => controller.regionAction(portrait, region, action),
    blend: (portrait, region, t) => controller.blend(portrait, region, t),
    undo: () => controller.undo(),
    redo: () => controller.redo(),
    async previewFrames(n) {
      await controller.whenPreview('A');
      const viewport = controller.viewports.A;
      if (!viewport) throw new Error('Portrait A is not on screen (layout B): show it first');
      return viewport.previewFrames(n);
    },
    saveSession: () => controller.saveSession(),
    loadSession: (json) => controller.loadSession(json),
    lastEditMs: () => controller.lastEditMs(),
    async setLayout(layout) {
      store.getState().setLayout(layout);
      await controller.settled();
    },
    paintInfo() {
      const p = store.getState().paint;
      return {
        on: p.on, portrait: paint.portrait, tool: p.tool, region: p.region, size: p.size, pending: p.pending, undoSteps: p.undoSteps,
        redoSteps: p.redoSteps, ready: p.ready, applying: p.applying && { ...p.applying }, result: p.result, canReshape: paint.capability(),
      };
    },
    paintLayer(portrait = 'A') {
      if (paint.portrait !== portrait || !paint.layer.ready) return null;
      return { width: paint.layer.width, height: paint.layer.height, labels: Array.from(paint.layer.target()) };
    },
    async applyMask(portrait, edit) {
      await whenReady();
      const manifest = store.getState().manifest;
      if (!manifest) throw new Error('No model is open yet');
      const names = manifest.regions.map((r) => r.name);
      const before = await controller.finalImage(portrait);
      const target = paintEdit(edit, before.labels, before.width, before.height, names);
      const edited = editedRegions(before.labels, target, names);
      if (edited.length === 0) throw new Error(`${edit} paints nothing on portrait ${portrait}`);
      const t0 = performance.now();
      const r = await controller.reshape(portrait, target);
      const ms = performance.now() - t0;
      const after = await controller.finalImage(portrait);
      const of = (labels: ArrayLike<number>, k: number) => Array.from(labels, (v) => v === k);
      const meanIou = (labels: ArrayLike<number>) => edited.reduce((a, e) => a + iou(of(labels, e), of(target, e)), 0) / edited.length;
      let others = 1;
      let othersPainting = 1;
      for (let k = 0; k < names.length; k++) {
        if (edited.includes(k)) continue;
        const a = of(after.labels, k);
        const b = of(before.labels, k);
        if (a.some(Boolean) || b.some(Boolean)) {
          others = Math.min(others, iou(a, b));
          othersPainting = Math.min(othersPainting, iou(a, of(target, k)));
        }
      }
      return {
        edit, edited: edited.map((e) => names[e]), ms, graphMs: r.graphMs, proxyMs: r.proxyMs, commitMs: r.commitMs, changed: r.changed, evaluations: r.evaluations, message: r.message,
        target_iou_before: meanIou(before.labels), target_iou: meanIou(after.labels), others_iou: others, others_iou_vs_painting: othersPainting,
      };
    },
    async runGraph(graph, feeds) {
      const out = await controller.runGraph(graph, toFeeds(feeds));
      const result: Record<string, { dims: number[]; data: number[] }> = {};
      for (const [name, t] of Object.entries(out)) {
        result[name] = { dims: t.dims, data: Array.from(t.data as ArrayLike<number | bigint>, Number) };
      }
      return result;
    },
  };
}

export function installTestApi(controller: FacetController, paint: PaintTool): void {
  window.facet = createTestApi(controller, paint);
}
