#!/usr/bin/env node
// `npm test`: type check, unit tests, Python tests, end-to-end tests, in that order, stopping at
// the first red step. The last line is `<P> passed, <F> failed`, summed over the runners.
//   node scripts/test.mjs [--only types|unit|py|e2e]...   (--only may repeat or take a comma list)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium, NO_CHROMIUM_MESSAGE } from './lib/chromium.mjs';
import { settle } from './lib/counts.mjs';
import * as steps from './lib/steps.mjs';

const STEPS = [
  { name: 'types', title: 'type check (tsc --noEmit -p tsconfig.json)', run: steps.types },
  { name: 'unit', title: 'unit tests (vitest run)', run: steps.unit },
  { name: 'py', title: 'Python tests (pytest export/tests)', run: steps.py },
  { name: 'e2e', title: 'end-to-end tests (playwright test)', run: steps.e2e },
];

function parseArgs(argv) {
  const only = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') only.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--only=')) only.push(...arg.slice('--only='.length).split(','));
    else if (arg === '-h' || arg === '--help') return { help: true, only };
    else return { error: `unknown argument: ${arg}`, only };
  }
  const unknown = only.filter((n) => !STEPS.some((s) => s.name === n));
  if (unknown.length) return { error: `unknown step: ${unknown.join(', ')} (steps: types, unit, py, e2e)`, only };
  return { only };
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || args.error) {
    if (args.error) console.error(`npm test: ${args.error}`);
    console.log('usage: node scripts/test.mjs [--only types|unit|py|e2e]...');
    return args.error ? 2 : 0;
  }
  const selected = STEPS.filter((s) => args.only.length === 0 || args.only.includes(s.name));
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const env = { ...process.env };

  // Fail fast, before minutes of other steps, when the end-to-end step could not start a browser.
  if (selected.some((s) => s.name === 'e2e')) {
    const chromium = findChromium(env);
    if (!chromium) {
      console.error(NO_CHROMIUM_MESSAGE);
      return 1;
    }
    env.CHROMIUM_PATH = chromium;
  }

  // The Python environment (a download of a few GB the first time) is made beside the steps before
  // the Python tests, not after them; its output waits for the py step.
  // A step that fails first stops it (`npm test` stops at the first red step and does not wait for pip).
  const stopVenv = new AbortController();
  const venv = selected.some((s) => s.name === 'py') ? steps.ensureVenv({ root, env, signal: stopVenv.signal }) : undefined;

  const scratch = mkdtempSync(join(tmpdir(), 'facet-test-'));
  const total = { passed: 0, failed: 0 };
  const done = [];
  const started = Date.now();
  let exitCode = 0;
  try {
    for (const [i, step] of selected.entries()) {
      console.log(`\n=== [${i + 1}/${selected.length}] ${step.name}: ${step.title} ===`);
      const t0 = Date.now();
      const result = await step.run({ root, env, scratch, venv });
      const c = settle(result.counts, result.code);
      total.passed += c.passed;
      total.failed += c.failed;
      const ok = result.code === 0;
      done.push(`${step.name} ${ok ? 'ok' : `FAILED (exit ${result.code})`}: ${c.passed} passed, ${c.failed} failed, ${seconds(Date.now() - t0)}`);
      if (!ok) {
        exitCode = result.code > 0 && result.code < 126 ? result.code : 1;
        const skipped = selected.slice(i + 1).map((s) => s.name);
        if (skipped.length) done.push(`not run: ${skipped.join(', ')} (stopped at the first failing step)`);
        break;
      }
    }
  } finally {
    stopVenv.abort();
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\n=== summary (${seconds(Date.now() - started)}) ===`);
  for (const line of done) console.log(line);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  return exitCode;
}

process.exitCode = await main();
