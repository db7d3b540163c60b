/**
 * The camera rig of one portrait's canvas: drag to orbit (the store clamps yaw/pitch to the
 * manifest's range), wheel to zoom, double-click to reset, arrow keys to step (the canvas takes
 * focus on click). The turntable (store.turntable) is driven by the frame loop through `turn`.
 */
import type { FacetStore, PortraitId } from '../store/store';

/** Radians per pixel of drag, relative to the canvas's short side. */
const TURN_PER_SIDE = Math.PI / 2;
/** Radians per arrow key press. */
export const KEY_STEP = (5 * Math.PI) / 180;
/** Zoom factor per wheel notch (100 px of deltaY). */
const ZOOM_PER_NOTCH = 1.1;

export function attachOrbit(el: HTMLElement, store: FacetStore, portrait: PortraitId = 'A'): () => void {
  let last: { x: number; y: number } | null = null;
  const pose = () => (portrait === 'A' ? store.getState().pose : store.getState().poseB);
  const setPose = (yaw: number, pitch: number) => store.getState().setPose({ yaw, pitch }, portrait);
  const down = (e: PointerEvent) => {
    if (e.button !== 0) return;
    el.focus({ preventScroll: true });
    el.setPointerCapture(e.pointerId);
    last = { x: e.clientX, y: e.clientY };
    store.getState().setDragging(true);
  };
  const move = (e: PointerEvent) => {
    if (!last) return;
    const k = TURN_PER_SIDE / Math.max(1, Math.min(el.clientWidth, el.clientHeight));
    const p = pose();
    // Dragging right turns the head to its left (the camera moves towards -x); down looks from above.
    setPose(p.yaw - (e.clientX - last.x) * k, p.pitch + (e.clientY - last.y) * k);
    last = { x: e.clientX, y: e.clientY };
  };
  const up = (e: PointerEvent) => {
    if (!last) return;
    last = null;
    if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
    store.getState().setDragging(false);
  };
  const wheel = (e: WheelEvent) => {
    e.preventDefault();
    const { zoom, setZoom } = store.getState();
    setZoom(zoom * ZOOM_PER_NOTCH ** (-e.deltaY / 100));
  };
  const reset = () => {
    store.getState().setTurntable(false);
    setPose(0, 0);
    store.getState().setZoom(1);
  };
  const key = (e: KeyboardEvent) => {
    const p = pose();
    const steps: Record<string, [number, number]> = { ArrowLeft: [KEY_STEP, 0], ArrowRight: [-KEY_STEP, 0], ArrowUp: [0, -KEY_STEP], ArrowDown: [0, KEY_STEP] };
    const step = steps[e.key];
    if (!step) return;
    e.preventDefault();
    setPose(p.yaw + step[0], p.pitch + step[1]);
  };
  el.tabIndex = 0;
  el.addEventListener('pointerdown', down);
  el.addEventListener('pointermove', move);
  el.addEventListener('pointerup', up);
  el.addEventListener('pointercancel', up);
  el.addEventListener('wheel', wheel, { passive: false });
  el.addEventListener('dblclick', reset);
  el.addEventListener('keydown', key);
  el.style.touchAction = 'none';
  return () => {
    el.removeEventListener('pointerdown', down);
    el.removeEventListener('pointermove', move);
    el.removeEventListener('pointerup', up);
    el.removeEventListener('pointercancel', up);
    el.removeEventListener('wheel', wheel);
    el.removeEventListener('dblclick', reset);
    el.removeEventListener('keydown', key);
  };
}

/** Turntable speed: radians per second. */
const TURNTABLE_SPEED = 0.5;

/** One turntable step of `dt` seconds: yaw swings between the range's ends (ping-pong). */
export function turntableStep(yaw: number, direction: 1 | -1, dt: number, range: [number, number]): { yaw: number; direction: 1 | -1 } {
  const next = yaw + direction * TURNTABLE_SPEED * dt;
  if (next >= range[1]) return { yaw: range[1], direction: -1 };
  if (next <= range[0]) return { yaw: range[0], direction: 1 };
  return { yaw: next, direction };
}
