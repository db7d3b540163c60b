// Rows, speedups and the Markdown table of `npm run bench` (pure: no I/O, unit-tested in
// bench/format.test.ts). A row: { model, name, backend, min_ms, median_ms, max_ms, macs,
// speedup_vs_naive, runs, note?, baseline?, compare? } where `baseline` marks the naive frame of
// its (model, backend) group and `compare` the rows whose speedup over it means something.

/** min / median / max of a list of milliseconds; `scale` multiplies all three (tiles -> frame). */
export function summarize(times, scale = 1) {
  if (!Array.isArray(times) || times.length === 0) throw new Error('summarize: no timings');
  const s = [...times].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min_ms: s[0] * scale, median_ms: median * scale, max_ms: s[s.length - 1] * scale, runs: s.length };
}

/** naive median / row median, from the same run; null when either is missing or not positive. */
export function speedup(naiveMedianMs, rowMedianMs) {
  if (!(naiveMedianMs > 0) || !(rowMedianMs > 0)) return null;
  return naiveMedianMs / rowMedianMs;
}

const groupKey = (r) => `${r.model}\u0000${r.backend}`;

/** Fills `speedup_vs_naive` from the naive row of the same model and backend (same run). */
export function applySpeedups(rows) {
  const naive = new Map();
  for (const r of rows) if (r.baseline && r.median_ms != null) naive.set(groupKey(r), r.median_ms);
  return rows.map((r) => {
    const base = naive.get(groupKey(r));
    let s = null;
    if (r.baseline && r.median_ms != null) s = 1;
    else if (r.compare && base !== undefined && r.median_ms != null) s = speedup(base, r.median_ms);
    return { ...r, speedup_vs_naive: s };
  });
}

/** A row that could not be measured (feature missing, software adapter, ...). */
export function skippedRow(model, name, backend, note, macs = null) {
  return { model, name, backend, min_ms: null, median_ms: null, max_ms: null, macs, speedup_vs_naive: null, runs: 0, note };
}

export function fmtMs(ms) {
  if (ms == null) return 'n/a';
  if (ms >= 10000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function fmtMacs(macs) {
  if (macs == null) return '';
  if (macs === 0) return '0';
  if (macs >= 1e9) return `${(macs / 1e9).toFixed(2)} G`;
  if (macs >= 1e6) return `${(macs / 1e6).toFixed(2)} M`;
  return `${(macs / 1e3).toFixed(1)} k`;
}

export function fmtSpeedup(s) {
  if (s == null) return '';
  return s >= 10 ? `x${s.toFixed(0)}` : `x${s.toFixed(2)}`;
}

const cell = (s) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown written to bench/results.md and into the README's facet:bench block. */
export function markdown(results) {
  const h = results.header;
  const lines = [
    `Measured by \`${h.command ?? `npm run bench${h.quick ? ' -- --quick' : ''}`}\` on ${h.date.slice(0, 10)}: ${h.cpu}, ${h.cores} cores, ${h.os}; ` +
      `Node ${h.node}, ${h.ort_node ? `onnxruntime-node ${h.ort_node}, ` : ''}${h.chromium ? `Chromium ${h.chromium}, onnxruntime-web ${h.ort_web}` : 'no Chromium'}. ` +
      `Backends: ${h.backends.join(', ')}. Each row: median, min and max of its warm runs (column runs) after an untimed warm-up; ` +
      'vs naive frame = the naive frame\'s median / the row\'s median, same model, backend and run.',
    '',
  ];
  const models = [...new Set(results.rows.map((r) => r.model))];
  for (const model of models) {
    lines.push(`**${model}**`, '', '| step | backend | median | min to max | runs | multiply-adds | vs naive frame | note |', '|---|---|---|---|---|---|---|---|');
    for (const r of results.rows.filter((x) => x.model === model)) {
      const range = r.median_ms == null ? '' : `${fmtMs(r.min_ms)} to ${fmtMs(r.max_ms)}`;
      lines.push(`| ${cell(r.name)} | ${cell(r.backend)} | ${fmtMs(r.median_ms)} | ${range} | ${r.runs ?? ''} | ${fmtMacs(r.macs)} | ${fmtSpeedup(r.speedup_vs_naive)} | ${cell(r.note)} |`);
    }
    lines.push('');
  }
  if (results.notes?.length) for (const n of results.notes) lines.push(`- ${n}`);
  return lines.join('\n').trimEnd();
}

/** Replace the body of `<!-- facet:NAME --> ... <!-- /facet:NAME -->` (as facet report does). */
export function replaceBlock(text, name, body) {
  const re = new RegExp(`(<!-- facet:${name} -->\\n)[\\s\\S]*?(\\n<!-- /facet:${name} -->)`);
  if (!re.test(text)) throw new Error(`README has no <!-- facet:${name} --> block`);
  return text.replace(re, (_, a, b) => a + body + b);
}
