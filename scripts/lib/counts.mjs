// Test counts per runner, from its machine-readable report when there is one, else from the
// summary line it printed. A runner that failed without counting a failed test (a type error,
// a collection error, no tests at all) still counts as one failure, so the final
// `<P> passed, <F> failed` line never reads `0 failed` for a red run.

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text) {
  return text.replace(ANSI, '');
}

function lastNumber(text, re) {
  let value = null;
  for (const m of stripAnsi(text).matchAll(re)) value = Number(m[1]);
  return value;
}

/** Vitest's `--reporter=json` file: {numPassedTests, numFailedTests, ...}. */
export function vitestCountsFromJson(report) {
  return { passed: report.numPassedTests ?? 0, failed: report.numFailedTests ?? 0 };
}

/** Vitest's default reporter: `Tests  2 failed | 40 passed (42)`. */
export function vitestCountsFromText(text) {
  const line = stripAnsi(text).split('\n').reverse().find((l) => /^\s*Tests\s+\d/.test(l));
  if (!line) return null;
  return {
    passed: Number(/(\d+) passed/.exec(line)?.[1] ?? 0),
    failed: Number(/(\d+) failed/.exec(line)?.[1] ?? 0),
  };
}

/** pytest's JUnit XML: the <testsuite> element's tests/failures/errors/skipped attributes. */
export function pytestCountsFromJunit(xml) {
  const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0];
  if (!suite) return null;
  const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const failed = attr('failures') + attr('errors');
  return { passed: attr('tests') - failed - attr('skipped'), failed };
}

/** pytest's last line: `3 failed, 54 passed, 1 skipped, 2 errors in 12.3s`. */
export function pytestCountsFromText(text) {
  const line = stripAnsi(text).split('\n').reverse().find((l) => /\d+ (passed|failed|errors?)\b.* in [\d.]+s/.test(l));
  if (!line) return null;
  const n = (re) => Number(re.exec(line)?.[1] ?? 0);
  return { passed: n(/(\d+) passed/), failed: n(/(\d+) failed/) + n(/(\d+) errors?\b/) };
}

/** Playwright's JSON reporter: stats.expected / unexpected / flaky. */
export function playwrightCountsFromJson(report) {
  const s = report.stats ?? {};
  return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed: s.unexpected ?? 0 };
}

/** Playwright's list reporter: `  5 passed (1.2m)`, `  1 failed`. */
export function playwrightCountsFromText(text) {
  const passed = lastNumber(text, /^\s*(\d+) passed\b/gm);
  const failed = lastNumber(text, /^\s*(\d+) failed\b/gm);
  const flaky = lastNumber(text, /^\s*(\d+) flaky\b/gm);
  if (passed === null && failed === null && flaky === null) return null;
  return { passed: (passed ?? 0) + (flaky ?? 0), failed: failed ?? 0 };
}

/** A red step counts at least one failure. */
export function settle(counts, exitCode) {
  const c = counts ?? { passed: 0, failed: 0 };
  if (exitCode !== 0 && c.failed === 0) return { passed: c.passed, failed: 1 };
  return c;
}
