/** One vanilla zustand store; React reads it with useStore(store, selector), the frame loop with getState(). */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createCameraSlice, createModelSlice, createPortraitSlice, createStatusSlice, type FacetState } from './slices';

export type { FacetState, Phase } from './slices';
export type FacetStore = StoreApi<FacetState>;

export function createFacetStore(): FacetStore {
  return createStore<FacetState>()((...a) => ({
    ...createModelSlice(...a),
    ...createPortraitSlice(...a),
    ...createCameraSlice(...a),
    ...createStatusSlice(...a),
  }));
}
