// The arithmetic and formatting of `npm run bench` (bench/lib/format.mjs); no timing is asserted.
import { describe, expect, it } from 'vitest';
// @ts-ignore plain ESM module without types
import { applySpeedups, fmtMacs, fmtMs, markdown, replaceBlock, skippedRow, speedup, summarize } from './lib/format.mjs';

const row = (name: string, backend: string, median: number | null, extra: object = {}) => ({
  model: 'm', name, backend, min_ms: median, median_ms: median, max_ms: median, macs: 1e9, speedup_vs_naive: null, runs: 3, ...extra,
});

describe('bench rows', () => {
  it('summarizes min, median and max, scaled', () => {
    expect(summarize([5, 1, 3])).toEqual({ min_ms: 1, median_ms: 3, max_ms: 5, runs: 3 });
    expect(summarize([4, 2, 1, 3], 2)).toEqual({ min_ms: 2, median_ms: 5, max_ms: 8, runs: 4 });
    expect(() => summarize([])).toThrow(/no timings/);
  });

  it('speedup is naive median over row median, null when meaningless', () => {
    expect(speedup(1000, 250)).toBe(4);
    expect(speedup(1000, 0)).toBeNull();
    expect(speedup(null, 10)).toBeNull();
  });

  it('uses the naive row of the same model and backend only', () => {
    const rows = applySpeedups([
      row('naive', 'cpu', 800, { baseline: true }),
      row('final', 'cpu', 200, { compare: true }),
      row('mapping', 'cpu', 1, { compare: false }),
      row('final', 'wasm', 100, { compare: true }),
      { ...row('naive', 'cpu', 400, { baseline: true }), model: 'other' },
      { ...row('final', 'cpu', 100, { compare: true }), model: 'other' },
    ]);
    expect(rows.map((r: { speedup_vs_naive: number | null }) => r.speedup_vs_naive)).toEqual([1, 4, null, null, 1, 4]);
  });

  it('skipped rows carry their note and no numbers', () => {
    const r = applySpeedups([row('naive', 'wasm', 10, { baseline: true }), { ...skippedRow('m', 'swap', 'wasm', 'not available in this build'), compare: true }]);
    expect(r[1]).toMatchObject({ median_ms: null, speedup_vs_naive: null, note: 'not available in this build' });
  });
});

describe('bench table', () => {
  const results = {
    header: { date: '2026-01-02T03:04:05Z', quick: false, cpu: 'Test CPU', cores: 2, os: 'linux', node: '20', ort_node: '1.30.0', ort_web: '1.30.0', chromium: '1.2', backends: ['onnxruntime-node cpu', 'chromium wasm'] },
    notes: ['WebGPU: software adapter, not measured.'],
    rows: applySpeedups([row('naive | frame', 'cpu', 23300, { baseline: true }), row('final frame', 'cpu', 1430, { compare: true }), skippedRow('m', 'swap', 'chromium wasm', 'not available in this build')]),
  };

  it('has the machine in its header and one line per row', () => {
    const md = markdown(results);
    expect(md).toContain('Test CPU, 2 cores, linux');
    expect(md).toContain('Backends: onnxruntime-node cpu, chromium wasm');
    expect(md).toContain('| naive \\| frame | cpu | 23.3 s | 23.3 s to 23.3 s | 3 | 1.00 G | x1.00 |');
    expect(md).toContain('| final frame | cpu | 1430 ms | 1430 ms to 1430 ms | 3 | 1.00 G | x16 |');
    expect(md).toContain('| swap | chromium wasm | n/a |  | 0 |  |  | not available in this build |');
    expect(md).toContain('- WebGPU: software adapter, not measured.');
  });

  it('formats times and multiply-adds', () => {
    expect([fmtMs(null), fmtMs(0.1234), fmtMs(12.34), fmtMs(123.4), fmtMs(12345)]).toEqual(['n/a', '0.123 ms', '12.3 ms', '123 ms', '12.3 s']);
    expect([fmtMacs(null), fmtMacs(0), fmtMacs(6900), fmtMacs(2.5e6), fmtMacs(1.14e9)]).toEqual(['', '0', '6.9 k', '2.50 M', '1.14 G']);
  });

  it('replaces only the named README block', () => {
    const text = 'a\n<!-- facet:bench -->\nold\n<!-- /facet:bench -->\n<!-- facet:flops -->\nkeep\n<!-- /facet:flops -->\n';
    expect(replaceBlock(text, 'bench', 'new')).toBe('a\n<!-- facet:bench -->\nnew\n<!-- /facet:bench -->\n<!-- facet:flops -->\nkeep\n<!-- /facet:flops -->\n');
    expect(() => replaceBlock('none', 'bench', 'x')).toThrow(/no <!-- facet:bench --> block/);
  });
});
