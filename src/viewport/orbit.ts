/** Drag to orbit: pointer moves change yaw/pitch (the store clamps them to the manifest range). */
import type { FacetStore } from '../store/store';

/** Radians per pixel of drag, relative to the canvas's short side. */
const TURN_PER_SIDE = Math.PI / 2;

export function attachOrbit(el: HTMLElement, store: FacetStore): () => void {
  let last: { x: number; y: number } | null = null;

  const down = (e: PointerEvent) => {
    if (e.button !== 0) return;
    el.setPointerCapture(e.pointerId);
    last = { x: e.clientX, y: e.clientY };
    store.getState().setDragging(true);
  };
  const move = (e: PointerEvent) => {
    if (!last) return;
    const k = TURN_PER_SIDE / Math.max(1, Math.min(el.clientWidth, el.clientHeight));
    const { pose, setPose } = store.getState();
    // Dragging right turns the head to its left (the camera moves towards -x); down looks from above.
    setPose({ yaw: pose.yaw - (e.clientX - last.x) * k, pitch: pose.pitch + (e.clientY - last.y) * k });
    last = { x: e.clientX, y: e.clientY };
  };
  const up = (e: PointerEvent) => {
    if (!last) return;
    last = null;
    if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
    store.getState().setDragging(false);
  };

  el.addEventListener('pointerdown', down);
  el.addEventListener('pointermove', move);
  el.addEventListener('pointerup', up);
  el.addEventListener('pointercancel', up);
  el.style.touchAction = 'none';
  return () => {
    el.removeEventListener('pointerdown', down);
    el.removeEventListener('pointermove', move);
    el.removeEventListener('pointerup', up);
    el.removeEventListener('pointercancel', up);
  };
}
