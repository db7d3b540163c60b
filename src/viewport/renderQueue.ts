/**
 * Coalescing render scheduler: while a render runs, only the latest requested job is kept.
 * The render function is told when it has become stale so it can stop between tiles; a
 * request's promise resolves when a render that started at or after it completes.
 */
export type RenderFn<J> = (job: J, isStale: () => boolean) => Promise<boolean>; // false: stopped early

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

export class LatestOnlyQueue<J> {
  private running = false;
  private next: { job: J } | null = null;
  private waiters: Waiter[] = [];

  constructor(private readonly render: RenderFn<J>) {}

  get busy(): boolean {
    return this.running || this.next !== null;
  }

  request(job: J): Promise<void> {
    this.next = { job };
    const done = this.wait();
    void this.pump();
    return done;
  }

  /** Resolves when every request made so far has been rendered (or superseded and rendered). */
  settled(): Promise<void> {
    return this.busy ? this.wait() : Promise.resolve();
  }

  private wait(): Promise<void> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.next) {
      const { job } = this.next;
      this.next = null;
      const waiting = this.waiters.splice(0);
      try {
        const completed = await this.render(job, () => this.next !== null);
        if (completed && !this.next) waiting.forEach((w) => w.resolve());
        else this.waiters.unshift(...waiting); // carried to the newer job
      } catch (e) {
        if (this.next) this.waiters.unshift(...waiting);
        else waiting.forEach((w) => w.reject(e));
      }
    }
    this.running = false;
    // Anyone still waiting with nothing left to run (cannot normally happen) is released.
    this.waiters.splice(0).forEach((w) => w.resolve());
  }
}
