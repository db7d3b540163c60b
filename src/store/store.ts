/** One vanilla zustand store; React reads it with useStore(store, selector), the frame loop with getState(). */
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  createCameraSlice,
  createHistorySlice,
  createModelSlice,
  createPaintSlice,
  createPortraitSlice,
  createStatusSlice,
  createViewSlice,
  type FacetState,
} from './slices';

export type { BlendState, FacetState, Layout, PaintState, PaintToolName, Phase, Portrait, PortraitId, ViewMode } from './slices';
export { BRUSH_SIZES, other, PORTRAIT_IDS, seedPortrait } from './slices';
export type FacetStore = StoreApi<FacetState>;

export function createFacetStore(): FacetStore {
  return createStore<FacetState>()((...a) => ({
    ...createModelSlice(...a),
    ...createPortraitSlice(...a),
    ...createHistorySlice(...a),
    ...createViewSlice(...a),
    ...createCameraSlice(...a),
    ...createStatusSlice(...a),
    ...createPaintSlice(...a),
  }));
}
