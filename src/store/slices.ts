/** The store's slices: each owns its state and the actions that change it. */
import type { StateCreator } from 'zustand/vanilla';
import { clampPose, type Pose } from '../kernels/camera';
import type { IndexEntry, Manifest } from '../model/manifest';
import type { Backend } from '../runtime/backend';
import type { Command } from '../commands/command';

export interface ModelSlice {
  models: IndexEntry[]; // every model in index.json (the picker filters test-only ones)
  modelId: string | null;
  manifest: Manifest | null;
  /** Bumped to open the selected model again (after an error). */
  reloads: number;
  setModels(models: IndexEntry[]): void;
  selectModel(id: string): void;
  reloadModel(): void;
  setManifest(manifest: Manifest | null): void;
}

export type PortraitId = 'A' | 'B';
export const PORTRAIT_IDS: readonly PortraitId[] = ['A', 'B'];
export const other = (id: PortraitId): PortraitId => (id === 'A' ? 'B' : 'A');

/** A region's blend slider: t in [0, 1] between `anchor` (its z rows when the blend began) and the other portrait's rows. */
export interface BlendState {
  t: number;
  anchor: Float32Array; // [2 * z_dim]: shape row then texture row
}

/**
 * One portrait: its latent z (null: the seed's z, zFromSeed(seed)), truncation psi (null: the
 * manifest's), locked regions and blend sliders, by region index. Immutable: every change makes
 * a new object (commands keep the old one for undo).
 */
export interface Portrait {
  seed: number;
  psi: number | null;
  z: Float32Array | null;
  locks: readonly boolean[];
  blend: Readonly<Record<number, BlendState>>;
}

export function seedPortrait(seed: number): Portrait {
  return { seed: Math.max(0, Math.floor(seed)) >>> 0, psi: null, z: null, locks: [], blend: {} };
}

export interface PortraitSlice {
  portraits: Record<PortraitId, Portrait>;
  /** A's seed before any model is open (URL, default_seed); the undoable way is commands/edits. */
  setSeed(seed: number): void;
  /** Raw setter the commands use (undo/redo); not an edit by itself. */
  setPortraits(portraits: Partial<Record<PortraitId, Portrait>>): void;
}

export interface HistorySlice {
  past: Command[];
  future: Command[];
  /** Runs the command and records it; a command with the same `coalesceKey` as an open top one replaces its result (a slider drag). */
  execute(command: Command): void;
  undo(): void;
  redo(): void;
  /** Closes the top command (the drag ended): the next edit is a new undo step. */
  closeGesture(): void;
  clearHistory(): void;
}

export type Layout = 'A' | 'B' | 'side';
export type ViewMode = 'color' | 'semantic' | 'overlay' | 'depth';

export interface ViewSlice {
  layout: Layout;
  /** The portrait the panels edit (the one shown, or either when side by side). */
  focus: PortraitId;
  view: ViewMode;
  overlayOpacity: number;
  /** Region names hidden in the view. */
  hidden: readonly string[];
  selectedRegion: string | null;
  setLayout(layout: Layout): void;
  setFocus(focus: PortraitId): void;
  setView(view: ViewMode): void;
  setOverlayOpacity(opacity: number): void;
  toggleHidden(region: string): void;
  selectRegion(region: string | null): void;
}

export interface CameraSlice {
  /** Portrait A's camera (and B's while the cameras are linked). */
  pose: Pose;
  poseB: Pose;
  linked: boolean;
  zoom: number; // 1 = the model's field of view; > 1 magnifies
  turntable: boolean;
  dragging: boolean;
  /** Clamped to the loaded manifest's yaw/pitch range; sets both cameras while linked. */
  setPose(pose: Pose, portrait?: PortraitId): void;
  setLinked(linked: boolean): void;
  setZoom(zoom: number): void;
  setTurntable(on: boolean): void;
  setDragging(dragging: boolean): void;
}

export type Phase = 'loading' | 'ready' | 'error';

export interface StatusSlice {
  phase: Phase;
  error: string | null;
  progress: { label: string; fraction: number } | null;
  backend: Backend | null;
  adapter: string;
  renderMs: number | null;
  framesRendered: number;
  /** ms from the last edit to its new preview. */
  lastEditMs: number | null;
  fps: number | null;
  /** A message about the last action that could not be done (the app stays usable). */
  notice: string | null;
  setNotice(notice: string | null): void;
  setLastEdit(ms: number): void;
  setFps(fps: number | null): void;
  setBackend(backend: Backend, adapter: string): void;
  setProgress(label: string, fraction: number): void;
  setError(message: string): void;
  /** A final image is on screen. */
  frameShown(renderMs: number): void;
}

export type PaintToolName = 'brush' | 'eraser' | 'fill';

/**
 * Paint to reshape: the tool settings and the painted layer's counts (the label arrays live in
 * app/paintLayer.ts, outside the store).
 */
export interface PaintState {
  /** Paint mode: drag on the focused portrait paints instead of orbiting. */
  on: boolean;
  tool: PaintToolName;
  /** The region the brush and the fill paint (a region name). */
  region: string | null;
  /** Brush diameter in pixels of the final image (its label map). */
  size: number;
  /** Pixels whose painted target differs from the current mask. */
  pending: number;
  /** Stroke undo / redo steps in the painted layer. */
  undoSteps: number;
  redoSteps: number;
  /** The current mask is in place (the final image of this state and pose is complete). */
  ready: boolean;
  /** Reshape after each stroke or fill. */
  autoApply: boolean;
  /** A reshape is running: generations done and planned (0 / 0 while it starts). */
  applying: { done: number; total: number } | null;
  /** The last reshape's outcome, in words. */
  result: string | null;
}

export interface PaintSlice {
  paint: PaintState;
  setPaint(patch: Partial<PaintState>): void;
}

export type FacetState = ModelSlice & PortraitSlice & HistorySlice & ViewSlice & CameraSlice & StatusSlice & PaintSlice;
type Slice<T> = StateCreator<FacetState, [], [], T>;

export const createModelSlice: Slice<ModelSlice> = (set) => ({
  models: [],
  modelId: null,
  manifest: null,
  reloads: 0,
  setModels: (models) => set({ models }),
  selectModel: (id) => set({ modelId: id }),
  reloadModel: () => set((s) => ({ reloads: s.reloads + 1 })),
  setManifest: (manifest) =>
    set((s) => ({
      manifest,
      pose: manifest ? clampPose(s.pose, manifest.camera) : s.pose,
      poseB: manifest ? clampPose(s.poseB, manifest.camera) : s.poseB,
    })),
});

export const createPortraitSlice: Slice<PortraitSlice> = (set) => ({
  portraits: { A: seedPortrait(0), B: seedPortrait(1) },
  setSeed: (seed) => set({ portraits: { A: seedPortrait(seed), B: seedPortrait(seedPortrait(seed).seed + 1) } }),
  setPortraits: (portraits) => set((s) => ({ portraits: { ...s.portraits, ...portraits } })),
});

/** The most undo steps kept. */
export const HISTORY_LIMIT = 200;

export const createHistorySlice: Slice<HistorySlice> = (set, get) => ({
  past: [],
  future: [],
  execute: (command) => {
    const top = get().past.at(-1);
    if (top && top.open && command.coalesceKey !== undefined && top.coalesceKey === command.coalesceKey) {
      const merged = top.mergeWith(command);
      merged.do(get());
      set((s) => ({ past: [...s.past.slice(0, -1), merged], future: [] }));
      return;
    }
    command.do(get());
    set((s) => ({ past: [...s.past.map((c) => c.closed()), command].slice(-HISTORY_LIMIT), future: [] }));
  },
  undo: () => {
    const top = get().past.at(-1);
    if (!top) return;
    top.undo(get());
    set((s) => ({ past: s.past.slice(0, -1), future: [...s.future, top.closed()] }));
  },
  redo: () => {
    const next = get().future.at(-1);
    if (!next) return;
    next.do(get());
    set((s) => ({ past: [...s.past, next], future: s.future.slice(0, -1) }));
  },
  closeGesture: () => set((s) => (s.past.at(-1)?.open ? { past: [...s.past.slice(0, -1), s.past.at(-1)!.closed()] } : s)),
  clearHistory: () => set({ past: [], future: [] }),
});

export const createViewSlice: Slice<ViewSlice> = (set) => ({
  layout: 'A',
  focus: 'A',
  view: 'color',
  overlayOpacity: 0.5,
  hidden: [],
  selectedRegion: null,
  setLayout: (layout) => set((s) => ({ layout, focus: layout === 'side' ? s.focus : layout })),
  setFocus: (focus) => set({ focus }),
  setView: (view) => set({ view }),
  setOverlayOpacity: (overlayOpacity) => set({ overlayOpacity: Math.min(1, Math.max(0, overlayOpacity)) }),
  toggleHidden: (region) => set((s) => ({ hidden: s.hidden.includes(region) ? s.hidden.filter((r) => r !== region) : [...s.hidden, region] })),
  selectRegion: (selectedRegion) => set({ selectedRegion }),
});

const samePose = (a: Pose, b: Pose) => a.yaw === b.yaw && a.pitch === b.pitch;

export const createCameraSlice: Slice<CameraSlice> = (set) => ({
  pose: { yaw: 0, pitch: 0 },
  poseB: { yaw: 0, pitch: 0 },
  linked: true,
  zoom: 1,
  turntable: false,
  dragging: false,
  setPose: (pose, portrait = 'A') =>
    set((s) => {
      const next = s.manifest ? clampPose(pose, s.manifest.camera) : pose;
      if (s.linked) return samePose(next, s.pose) && samePose(next, s.poseB) ? s : { pose: next, poseB: next };
      const key = portrait === 'A' ? 'pose' : 'poseB';
      return samePose(next, s[key]) ? s : { [key]: next };
    }),
  setLinked: (linked) => set((s) => (linked ? { linked, poseB: s.pose } : { linked })),
  setZoom: (zoom) => set({ zoom: Math.min(3, Math.max(1, zoom)) }),
  setTurntable: (turntable) => set({ turntable }),
  setDragging: (dragging) => set({ dragging }),
});

export const createStatusSlice: Slice<StatusSlice> = (set) => ({
  phase: 'loading',
  error: null,
  progress: null,
  backend: null,
  adapter: '',
  renderMs: null,
  framesRendered: 0,
  lastEditMs: null,
  fps: null,
  notice: null,
  setNotice: (notice) => set({ notice }),
  setLastEdit: (lastEditMs) => set({ lastEditMs }),
  setFps: (fps) => set({ fps }),
  setBackend: (backend, adapter) => set({ backend, adapter }),
  setProgress: (label, fraction) => set({ phase: 'loading', error: null, progress: { label, fraction } }),
  setError: (message) => set({ phase: 'error', error: message, progress: null }),
  frameShown: (renderMs) =>
    set((s) => ({ phase: s.phase === 'error' ? 'error' : 'ready', progress: null, renderMs, framesRendered: s.framesRendered + 1 })),
});

export const BRUSH_SIZES = { min: 1, max: 64, initial: 12 } as const;

export const createPaintSlice: Slice<PaintSlice> = (set) => ({
  paint: {
    on: false,
    tool: 'brush',
    region: null,
    size: BRUSH_SIZES.initial,
    pending: 0,
    undoSteps: 0,
    redoSteps: 0,
    ready: false,
    autoApply: false,
    applying: null,
    result: null,
  },
  setPaint: (patch) =>
    set((s) => {
      const next = { ...s.paint, ...patch };
      next.size = Math.round(Math.min(BRUSH_SIZES.max, Math.max(BRUSH_SIZES.min, next.size)));
      const same = (Object.keys(next) as (keyof PaintState)[]).every((k) => next[k] === s.paint[k]);
      return same ? s : { paint: next };
    }),
});
