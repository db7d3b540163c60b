import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { FacetController } from '../app/controller';
import type { PaintTool } from '../app/paintTool';
import type { FacetState } from '../store/store';

export const ControllerContext = createContext<FacetController | null>(null);
export const PaintContext = createContext<PaintTool | null>(null);

export function useController(): FacetController {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('useController outside <ControllerContext>');
  return c;
}

/** Read the store with a selector (select primitives or stable references). */
export function useFacet<T>(selector: (s: FacetState) => T): T {
  return useStore(useController().store, selector);
}

/** The paint tool (paint to reshape) of the app. */
export function usePaint(): PaintTool {
  const p = useContext(PaintContext);
  if (!p) throw new Error('usePaint outside <PaintContext>');
  return p;
}
