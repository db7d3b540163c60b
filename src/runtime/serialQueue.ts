/**
 * Runs async jobs one after another. onnxruntime-web's native WebGPU provider hangs when run()
 * is called concurrently on one session, so every session owns one of these.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  get size(): number {
    return this.pending;
  }

  push<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(job);
    // The next job waits for this one whether it succeeded or failed.
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }
}
