/**
 * A value handed from async work to the frame loop outside the store: the producer `put`s,
 * the frame loop polls `version` and re-uploads only when it changed.
 */
export class Slot<T> {
  version = 0;
  value: T | null = null;

  put(value: T): void {
    this.value = value;
    this.version++;
  }

  clear(): void {
    this.value = null;
    this.version++;
  }
}
