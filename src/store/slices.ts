/** The store's slices: each owns its state and the actions that change it. */
import type { StateCreator } from 'zustand/vanilla';
import { clampPose, type Pose } from '../kernels/camera';
import type { IndexEntry, Manifest } from '../model/manifest';
import type { Backend } from '../runtime/backend';

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

export interface PortraitSlice {
  seed: number;
  setSeed(seed: number): void;
}

export interface CameraSlice {
  pose: Pose;
  dragging: boolean;
  /** Clamped to the loaded manifest's yaw/pitch range. */
  setPose(pose: Pose): void;
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
  setBackend(backend: Backend, adapter: string): void;
  setProgress(label: string, fraction: number): void;
  setError(message: string): void;
  /** A final image is on screen. */
  frameShown(renderMs: number): void;
}

export type FacetState = ModelSlice & PortraitSlice & CameraSlice & StatusSlice;
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
    set((s) => ({ manifest, pose: manifest ? clampPose(s.pose, manifest.camera) : s.pose })),
});

export const createPortraitSlice: Slice<PortraitSlice> = (set) => ({
  seed: 0,
  setSeed: (seed) => set({ seed: Math.max(0, Math.floor(seed)) >>> 0 }),
});

export const createCameraSlice: Slice<CameraSlice> = (set) => ({
  pose: { yaw: 0, pitch: 0 },
  dragging: false,
  setPose: (pose) =>
    set((s) => {
      const next = s.manifest ? clampPose(pose, s.manifest.camera) : pose;
      return next.yaw === s.pose.yaw && next.pitch === s.pose.pitch ? s : { pose: next };
    }),
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
  setBackend: (backend, adapter) => set({ backend, adapter }),
  setProgress: (label, fraction) => set({ phase: 'loading', error: null, progress: { label, fraction } }),
  setError: (message) => set({ phase: 'error', error: message, progress: null }),
  frameShown: (renderMs) =>
    set((s) => ({ phase: s.phase === 'error' ? 'error' : 'ready', progress: null, renderMs, framesRendered: s.framesRendered + 1 })),
});
