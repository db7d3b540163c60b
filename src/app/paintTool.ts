/**
 * Paint to reshape, the interface side: the painted layer of the focused portrait (PaintLayer),
 * kept in step with its current mask (the labels of its final image), the tool settings and
 * counts in the store (`paint`), stroke undo / redo, and "Apply" (the controller's reshape with
 * progress and cancel).
 *
 * The paint belongs to the view it was painted in: when the camera of the painted portrait
 * moves (arrow keys, a linked camera, the turntable, window.facet.setPose) or another portrait
 * is focused, the pending paint is cleared and the status bar says so. An edit of the portrait
 * at the same pose (a slider, an undo) keeps the paint: it is a difference from the mask,
 * which follows the new final image.
 */
import type { Pose } from '../kernels/camera';
import { UNPAINTED } from '../kernels/brush';
import type { FacetState, FacetStore, PortraitId, ViewMode } from '../store/store';
import type { ShownImage } from '../viewport/sources';
import { describeError } from './messages';
import { PaintLayer, type BrushValue } from './paintLayer';
import type { ReshapeOptions, ReshapeResult } from './reshape';

export type { ReshapeOptions, ReshapeResult } from './reshape';

/** The reshape engine's side that the paint tool drives (FacetController). */
export interface ReshapeEngine {
  canReshape(): { ok: boolean; reason?: string };
  reshape(id: PortraitId, target: Uint8Array, options?: ReshapeOptions): Promise<ReshapeResult>;
}

/** What the paint tool needs from the app (FacetController). */
export interface PaintHost extends ReshapeEngine {
  readonly store: FacetStore;
  finalImage(id: PortraitId): Promise<ShownImage>;
  currentKey(id: PortraitId): string | null;
  undo(): Promise<void>;
  redo(): Promise<void>;
}

const poseOf = (s: Pick<FacetState, 'pose' | 'poseB'>, id: PortraitId): Pose => (id === 'A' ? s.pose : s.poseB);
const samePose = (a: Pose, b: Pose) => a.yaw === b.yaw && a.pitch === b.pitch;

/** "hair", "hair and mouth", "hair, mouth and eyes" (the regions' labels, lower case). */
export function regionWords(labels: string[]): string {
  const words = labels.map((l) => l.toLowerCase());
  if (words.length <= 1) return words[0] ?? 'the painted region';
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class PaintTool {
  readonly layer = new PaintLayer();
  /** The portrait painted on (the focused one while paint mode is on). */
  portrait: PortraitId | null = null;
  private pose: Pose | null = null;
  private token = 0;
  private abort: AbortController | null = null;
  private viewBefore: ViewMode | null = null;
  private dropNotice: string | null = null; // the notice dropPaint last set
  private unsubscribe: (() => void)[] = [];

  constructor(readonly host: PaintHost) {}

  get store(): FacetStore {
    return this.host.store;
  }

  /** Follows the store (call once). */
  start(): void {
    this.unsubscribe.push(this.store.subscribe((s, prev) => this.onChange(s, prev)));
    this.unsubscribe.push(this.layer.subscribe(() => this.store.getState().setPaint(this.layer.counts())));
  }

  dispose(): void {
    this.abort?.abort();
    this.unsubscribe.splice(0).forEach((u) => u());
  }

  /** Whether the open model can reshape; the reason when not (null before a model is open). */
  capability(): { ok: boolean; reason?: string } | null {
    if (!this.store.getState().manifest) return null;
    try {
      return this.host.canReshape();
    } catch (e) {
      return { ok: false, reason: describeError(e) };
    }
  }

  /** Paint mode on or off (refused with the reason when the model cannot reshape). */
  setOn(on: boolean): void {
    const s = this.store.getState();
    if (on === s.paint.on) return;
    if (on) {
      const can = this.capability();
      if (!can?.ok) {
        s.setNotice(can?.reason ?? 'No model is open yet');
        return;
      }
    }
    s.setPaint({ on });
  }

  private onChange(s: FacetState, prev: FacetState): void {
    if (s.manifest !== prev.manifest) {
      // Another model (or none): nothing painted carries over.
      if (s.paint.on) this.abort?.abort();
      this.layer.reset();
      this.portrait = null;
      const names = s.manifest?.regions.map((r) => r.name) ?? [];
      const region = s.paint.region && names.includes(s.paint.region) ? s.paint.region : (names.includes('hair') ? 'hair' : (names[0] ?? null));
      s.setPaint({ on: false, region, ready: false, result: null });
      this.viewBefore = null;
      return;
    }
    if (!s.paint.on) {
      if (prev.paint.on) this.leave(s);
      return;
    }
    if (!prev.paint.on) return this.enter(s);
    if (s.focus !== this.portrait) {
      this.dropPaint('You switched portraits, so the painting was cleared.');
      this.portrait = s.focus;
      this.pose = null;
      return void this.refreshBase();
    }
    const id = this.portrait;
    const pose = poseOf(s, id);
    if (!this.pose || !samePose(pose, this.pose)) {
      if (this.pose) this.dropPaint('The camera moved, so the painting was cleared (paint belongs to the view it was made in).');
      return void this.refreshBase();
    }
    if (s.portraits[id] !== prev.portraits[id]) void this.refreshBase();
  }

  private enter(s: FacetState): void {
    this.portrait = s.focus;
    this.pose = null;
    if (s.turntable) s.setTurntable(false);
    // Paint on the semantic view (or the overlay, if that is what is shown).
    if (s.view === 'color' || s.view === 'depth') {
      this.viewBefore = s.view;
      s.setView('semantic');
    }
    if (!s.paint.region && s.manifest) s.setPaint({ region: s.manifest.regions.some((r) => r.name === 'hair') ? 'hair' : s.manifest.regions[0].name });
    s.setPaint({ result: null });
    void this.refreshBase();
  }

  private leave(s: FacetState): void {
    this.abort?.abort();
    this.layer.reset();
    this.portrait = null;
    this.pose = null;
    s.setPaint({ ready: false });
    if (this.viewBefore && (s.view === 'semantic' || s.view === 'overlay')) s.setView(this.viewBefore);
    this.viewBefore = null;
  }

  private dropPaint(why: string): void {
    const pending = this.layer.counts().pending > 0;
    this.layer.discard();
    if (pending) {
      this.store.getState().setNotice(why);
      this.dropNotice = why;
    }
  }

  /** The next stroke makes the "painting was cleared" notice old news: it goes (any other notice stays). */
  private clearDropNotice(): void {
    const s = this.store.getState();
    if (this.dropNotice !== null && s.notice === this.dropNotice) s.setNotice(null);
    this.dropNotice = null;
  }

  /** The current mask: the labels of the painted portrait's final image at its current state and pose. */
  private async refreshBase(): Promise<void> {
    const id = this.portrait;
    if (!id) return;
    const token = ++this.token;
    const s = this.store.getState();
    this.pose = poseOf(s, id);
    s.setPaint({ ready: false });
    for (let round = 0; round < 5; round++) {
      let image: ShownImage;
      try {
        image = await this.host.finalImage(id);
      } catch {
        return; // the model closed or a render failed (the app says so)
      }
      if (token !== this.token || !this.store.getState().paint.on) return;
      const now = this.store.getState();
      if (image.key !== this.host.currentKey(id) || !samePose(image.pose, poseOf(now, id))) continue;
      this.layer.setBase(image.labels, image.width, image.height);
      now.setPaint({ ready: true, ...this.layer.counts() });
      return;
    }
  }

  private brushValue(): BrushValue | null {
    const s = this.store.getState();
    if (s.paint.tool === 'eraser') return 'erase';
    const k = s.manifest?.regions.findIndex((r) => r.name === s.paint.region) ?? -1;
    return k >= 0 ? k : null;
  }

  /** Whether a pointer press on the canvas paints now (and why not, in words). */
  blocked(): string | null {
    const s = this.store.getState();
    if (!s.paint.on) return 'Paint mode is off';
    const can = this.capability();
    if (!can?.ok) return can?.reason ?? 'No model is open yet';
    if (s.paint.applying) return 'Reshaping… (Cancel to paint again)';
    if (!this.layer.ready) return 'Waiting for the final image…';
    if (this.brushValue() === null) return 'Pick a region in the palette first';
    return null;
  }

  /** Pointer down at label-map pixel (x, y): starts a stroke, or fills. */
  press(x: number, y: number): boolean {
    if (this.blocked()) return false;
    this.clearDropNotice();
    const s = this.store.getState();
    const value = this.brushValue()!;
    if (s.paint.tool === 'fill') {
      const changed = this.layer.fill(x, y, value);
      if (changed) this.strokeDone();
      return false;
    }
    this.layer.begin(x, y, value, s.paint.size);
    return true;
  }

  drag(x: number, y: number): void {
    this.layer.moveTo(x, y);
  }

  release(): void {
    if (this.layer.end()) this.strokeDone();
  }

  private strokeDone(): void {
    const s = this.store.getState();
    if (s.paint.result) s.setPaint({ result: null });
    if (s.paint.autoApply && this.layer.counts().pending > 0) void this.apply();
  }

  /** Undo: the last stroke while there are strokes to undo in paint mode, else the last edit. */
  undo(): Promise<void> {
    if (this.store.getState().paint.on && this.layer.undo()) return Promise.resolve();
    return this.host.undo();
  }

  redo(): Promise<void> {
    if (this.store.getState().paint.on && this.layer.redo()) return Promise.resolve();
    return this.host.redo();
  }

  /** What Undo / Redo would act on: 'stroke', or null for the editor's history. */
  undoTarget(): 'stroke' | null {
    return this.store.getState().paint.on && this.store.getState().paint.undoSteps > 0 ? 'stroke' : null;
  }

  redoTarget(): 'stroke' | null {
    return this.store.getState().paint.on && this.store.getState().paint.redoSteps > 0 ? 'stroke' : null;
  }

  clear(): void {
    this.layer.clear();
  }

  /** The regions the painting asks for (painted labels that differ from the mask). */
  private paintedRegions(): number[] {
    const { base, paint } = this.layer;
    const seen = new Set<number>();
    if (!base) return [];
    for (let i = 0; i < paint.length; i++) if (paint[i] !== UNPAINTED && paint[i] !== base[i]) seen.add(paint[i]);
    return [...seen].sort((a, b) => a - b);
  }

  private labelsOf(regions: (string | number)[]): string[] {
    const manifest = this.store.getState().manifest;
    return regions.map((r) => {
      const region = typeof r === 'number' ? manifest?.regions[r] : manifest?.regions.find((x) => x.name === r);
      return region?.label ?? String(r);
    });
  }

  /**
   * Runs the reshape on the painted target of the painted portrait: progress in `paint.applying`,
   * cancel with cancel(). On a change the pending paint clears (the new portrait's mask is the
   * new base); the outcome in words goes to `paint.result` and the status bar.
   */
  async apply(): Promise<ReshapeResult | null> {
    const s = this.store.getState();
    const id = this.portrait;
    if (s.paint.applying) return null;
    const can = this.capability();
    if (!can?.ok) {
      s.setNotice(can?.reason ?? 'No model is open yet');
      return null;
    }
    if (!id || !s.paint.on) {
      s.setNotice('Turn on Paint and paint the shape you want first.');
      return null;
    }
    if (!this.layer.ready) {
      s.setNotice('The final image is still rendering; apply again when it is done.');
      return null;
    }
    if (this.layer.counts().pending === 0) {
      s.setNotice('Nothing to apply: the painting matches the current mask. Paint the shape you want first.');
      return null;
    }
    const target = this.layer.target();
    const asked = this.labelsOf(this.paintedRegions());
    const abort = (this.abort = new AbortController());
    s.setPaint({ applying: { done: 0, total: 0 }, result: null });
    s.setNotice(null);
    try {
      const r = await this.host.reshape(id, target, {
        signal: abort.signal,
        onProgress: (done, total) => {
          if (this.abort === abort) this.store.getState().setPaint({ applying: { done, total } });
        },
      });
      const edited = this.labelsOf(r.edited);
      const locked = r.locked.length ? ` ${capitalise(regionWords(this.labelsOf(r.locked)))} locked, left as ${r.locked.length > 1 ? 'they are' : 'it is'}.` : '';
      const result = r.changed
        ? `${capitalise(regionWords(edited))} reshaped in ${seconds(r.ms)}.${locked}`
        : `No shape of ${regionWords(edited.length ? edited : asked)} fits the painting better; nothing changed.${locked}`;
      if (r.changed) this.layer.discard();
      this.store.getState().setPaint({ result });
      this.store.getState().setNotice(result);
      return r;
    } catch (e) {
      const cancelled = abort.signal.aborted;
      const message = cancelled ? 'Reshape cancelled; nothing changed.' : `The reshape failed: ${describeError(e)}`;
      this.store.getState().setPaint({ result: message });
      this.store.getState().setNotice(message);
      return null;
    } finally {
      if (this.abort === abort) this.abort = null;
      this.store.getState().setPaint({ applying: null });
    }
  }

  /** Stops a running reshape (it changes nothing). */
  cancel(): void {
    this.abort?.abort();
  }
}

const capitalise = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
