/**
 * The painted layer of one portrait at one pose, kept out of the store (two label maps of the
 * final image's size): the current mask (`base`, the final image's labels) and the paint on
 * top of it (a region index per pixel, or UNPAINTED where the mask shows). The painted target
 * is the paint where painted, else the mask. The eraser paints UNPAINTED back, i.e. the current
 * mask. Each stroke (pointer down .. up), fill and clear is one undo step; the steps are
 * snapshots of the paint (64 KiB at 256 x 256), at most HISTORY of them.
 */
import { composeTarget, countChanged, emptyBox, floodFill, stamp, strokeSegment, UNPAINTED, type Box } from '../kernels/brush';

const HISTORY = 100;

export type BrushValue = number | 'erase';

export interface PaintCounts {
  /** Pixels whose painted target differs from the mask. */
  pending: number;
  undoSteps: number;
  redoSteps: number;
}

export class PaintLayer {
  width = 0;
  height = 0;
  base: Uint8Array | null = null;
  paint: Uint8Array = new Uint8Array(0);
  /** Bumped on every change (the overlay redraws when it moved). */
  version = 0;
  private past: Uint8Array[] = [];
  private future: Uint8Array[] = [];
  private stroke: { before: Uint8Array; value: number; size: number; x: number; y: number; changed: number } | null = null;
  private readonly listeners = new Set<() => void>();
  /** The last change's pixel box (for a partial redraw); reset by the reader. */
  dirty: Box = emptyBox();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    this.listeners.forEach((l) => l());
  }

  /**
   * A new current mask. With the same size the paint stays (it is a difference from whatever
   * the mask is); a new size starts over.
   */
  setBase(labels: Uint8Array, width: number, height: number): void {
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.paint = new Uint8Array(width * height).fill(UNPAINTED);
      this.past = [];
      this.future = [];
      this.stroke = null;
    }
    this.base = labels.slice();
    this.dirty = { x0: 0, y0: 0, x1: width, y1: height };
    this.changed();
  }

  /** The mask is gone (no model, or the portrait changed): nothing can be painted. */
  reset(): void {
    this.base = null;
    this.width = this.height = 0;
    this.paint = new Uint8Array(0);
    this.past = [];
    this.future = [];
    this.stroke = null;
    this.changed();
  }

  get ready(): boolean {
    return this.base !== null;
  }

  get painting(): boolean {
    return this.stroke !== null;
  }

  counts(): PaintCounts {
    return { pending: this.base ? countChanged(this.base, this.paint) : 0, undoSteps: this.past.length, redoSteps: this.future.length };
  }

  /** The painted target: a region index per pixel (a new array). */
  target(): Uint8Array {
    if (!this.base) throw new Error('Nothing to paint on yet: the final image is not ready');
    return composeTarget(this.base, this.paint);
  }

  private grid() {
    return { width: this.width, height: this.height };
  }

  private record(before: Uint8Array): void {
    this.past.push(before);
    if (this.past.length > HISTORY) this.past.shift();
    this.future = [];
  }

  /** Starts a stroke at (x, y) (label-map pixels) and paints its first stamp. */
  begin(x: number, y: number, value: BrushValue, size: number): void {
    if (!this.base) return;
    const v = value === 'erase' ? UNPAINTED : value;
    this.stroke = { before: this.paint.slice(), value: v, size, x, y, changed: 0 };
    this.dirty = emptyBox();
    this.stroke.changed += stamp(this.paint, this.grid(), x, y, size, v, this.dirty);
    this.changed();
  }

  /** Continues the stroke to (x, y), stamping along the way. */
  moveTo(x: number, y: number): void {
    const s = this.stroke;
    if (!s) return;
    this.dirty = emptyBox();
    s.changed += strokeSegment(this.paint, this.grid(), s.x, s.y, x, y, s.size, s.value, this.dirty);
    s.x = x;
    s.y = y;
    this.changed();
  }

  /** Ends the stroke; it is one undo step when it changed anything. Returns whether it did. */
  end(): boolean {
    const s = this.stroke;
    if (!s) return false;
    this.stroke = null;
    if (s.changed > 0) this.record(s.before);
    this.changed();
    return s.changed > 0;
  }

  /** Fills the closed area of the painted target under (x, y) with `value`; one undo step. */
  fill(x: number, y: number, value: BrushValue): boolean {
    if (!this.base || this.stroke) return false;
    const before = this.paint.slice();
    const target = composeTarget(this.base, this.paint);
    this.dirty = emptyBox();
    const filled = floodFill(target, this.paint, this.grid(), x, y, value === 'erase' ? UNPAINTED : value, this.dirty);
    const changed = filled.some((i) => before[i] !== this.paint[i]);
    if (changed) this.record(before);
    this.changed();
    return changed;
  }

  /** Removes all paint; one undo step (when there was any). */
  clear(): boolean {
    if (!this.base || this.stroke || this.paint.every((v) => v === UNPAINTED)) return false;
    this.record(this.paint.slice());
    this.paint.fill(UNPAINTED);
    this.dirty = { x0: 0, y0: 0, x1: this.width, y1: this.height };
    this.changed();
    return true;
  }

  /** Removes all paint and the stroke history (after an apply, or when the view changed). */
  discard(): void {
    this.stroke = null;
    this.paint.fill(UNPAINTED);
    this.past = [];
    this.future = [];
    this.dirty = { x0: 0, y0: 0, x1: this.width, y1: this.height };
    this.changed();
  }

  undo(): boolean {
    if (this.stroke) return false;
    const prev = this.past.pop();
    if (!prev) return false;
    this.future.push(this.paint);
    this.paint = prev;
    this.dirty = { x0: 0, y0: 0, x1: this.width, y1: this.height };
    this.changed();
    return true;
  }

  redo(): boolean {
    if (this.stroke) return false;
    const next = this.future.pop();
    if (!next) return false;
    this.past.push(this.paint);
    this.paint = next;
    this.dirty = { x0: 0, y0: 0, x1: this.width, y1: this.height };
    this.changed();
    return true;
  }
}
