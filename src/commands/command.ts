/**
 * Every edit of a portrait is a Command: it carries the portraits before and after and applies
 * one or the other to the store (do / undo). The store's history slice keeps them; a slider drag
 * coalesces into one command (same `coalesceKey` while the top command is `open`).
 */
import type { FacetState, Portrait, PortraitId } from '../store/store';

type Portraits = Partial<Record<PortraitId, Portrait>>;

export class Command {
  constructor(
    readonly label: string,
    readonly before: Portraits,
    readonly after: Portraits,
    /** Edits with the same key merge while this command is open (one drag = one undo step). */
    readonly coalesceKey?: string,
    readonly open = false,
    /** performance.now() when it was made. */
    readonly at = performance.now(),
  ) {}

  do(state: Pick<FacetState, 'setPortraits'>): void {
    state.setPortraits(this.after);
  }

  undo(state: Pick<FacetState, 'setPortraits'>): void {
    state.setPortraits(this.before);
  }

  /** This command's start with `next`'s result. */
  mergeWith(next: Command): Command {
    return new Command(this.label, this.before, { ...this.after, ...next.after }, this.coalesceKey, next.open, next.at);
  }

  closed(): Command {
    return this.open ? new Command(this.label, this.before, this.after, this.coalesceKey, false, this.at) : this;
  }

  /** Which portraits it changes. */
  get portraits(): PortraitId[] {
    return Object.keys(this.after) as PortraitId[];
  }
}
