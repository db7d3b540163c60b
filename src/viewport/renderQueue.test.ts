import { describe, expect, it } from 'vitest';
import { LatestOnlyQueue } from './renderQueue';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('LatestOnlyQueue', () => {
  it('keeps only the latest job while one runs', async () => {
    const rendered: number[] = [];
    const q = new LatestOnlyQueue<number>(async (job, isStale) => {
      for (let tile = 0; tile < 3; tile++) {
        await tick();
        if (isStale()) return false;
      }
      rendered.push(job);
      return true;
    });
    const all = [1, 2, 3, 4].map((j) => q.request(j));
    await Promise.all(all);
    expect(rendered).toEqual([4]);
    expect(q.busy).toBe(false);
  });

  it('stops a stale render between tiles and resolves earlier requests with the later render', async () => {
    const rendered: number[] = [];
    const q = new LatestOnlyQueue<number>(async (job, isStale) => {
      for (let tile = 0; tile < 5; tile++) {
        await tick();
        if (isStale()) return false;
      }
      rendered.push(job);
      return true;
    });
    const first = q.request(1);
    await tick();
    await tick();
    const second = q.request(2);
    await Promise.all([first, second]);
    expect(rendered).toEqual([2]);
    await q.settled();
  });

  it('rejects waiters when the last render fails', async () => {
    const q = new LatestOnlyQueue<number>(async () => {
      throw new Error('run failed');
    });
    await expect(q.request(1)).rejects.toThrow('run failed');
    await expect(q.settled()).resolves.toBeUndefined();
  });
});
