import { describe, expect, it } from 'vitest';
import { mulberry32, normals, randomSeed, zFromSeed } from './rng';
import { readFixture } from '../testing/fixtures';

describe('rng', () => {
  it('mulberry32 is deterministic, in [0, 1), and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 100 }, () => a());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(c()).not.toBe(xs[0]);
  });

  it('treats the seed as uint32', () => {
    expect(mulberry32(-1)()).toBe(mulberry32(0xffffffff)());
  });

  it('Box-Muller yields the cos then the sin of each pair', () => {
    const next = mulberry32(7);
    const u1 = next();
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const n = normals(7, 3);
    expect(n[0]).toBeCloseTo(r * Math.cos(2 * Math.PI * u2), 12);
    expect(n[1]).toBeCloseTo(r * Math.sin(2 * Math.PI * u2), 12);
    expect(normals(7, 2)[1]).toBe(n[1]); // an odd count does not change the earlier values
  });

  it('gives roughly standard normals', () => {
    const n = normals(1, 20000);
    const mean = n.reduce((s, x) => s + x, 0) / n.length;
    const variance = n.reduce((s, x) => s + (x - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('fills z row-major as float32', () => {
    const z = zFromSeed(3, 2, 3);
    expect(z).toBeInstanceOf(Float32Array);
    expect(Array.from(z)).toEqual(Array.from(Float32Array.from(normals(3, 6))));
  });

  it('draws random seeds as non-negative integers', () => {
    expect(randomSeed(() => 0.5)).toBe(2 ** 30);
  });
});

const fixture = readFixture<{ cases: { seed: number; rows: number; cols: number; z: number[] }[] }>(
  'seed-cases.json',
);

describe.skipIf(!fixture)('rng matches e2e/fixtures/seed-cases.json (Python)', () => {
  it.each(fixture?.cases ?? [])('seed $seed, $rows x $cols', (c) => {
    const z = zFromSeed(c.seed, c.rows, c.cols);
    expect(z.length).toBe(c.z.length);
    c.z.forEach((v, i) => expect(Math.abs(z[i] - v)).toBeLessThan(1e-5));
  });
});
