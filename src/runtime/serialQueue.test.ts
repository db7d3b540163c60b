import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serialQueue';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SerialQueue', () => {
  it('never runs two jobs at once and keeps order', async () => {
    const q = new SerialQueue();
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const job = (i: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(5 - i);
      order.push(i);
      running--;
      return i;
    };
    const results = await Promise.all([0, 1, 2, 3].map((i) => q.push(job(i))));
    expect(results).toEqual([0, 1, 2, 3]);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(maxRunning).toBe(1);
  });

  it('keeps going after a failure', async () => {
    const q = new SerialQueue();
    const failed = q.push(async () => {
      throw new Error('boom');
    });
    const ok = q.push(async () => 7);
    await expect(failed).rejects.toThrow('boom');
    await expect(ok).resolves.toBe(7);
    await sleep(0);
    expect(q.size).toBe(0);
  });
});
