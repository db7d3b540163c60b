// The four steps of `npm test`. Each returns {code, counts}; counts come from the runner's
// machine-readable report (written to a scratch folder) or, failing that, its summary line.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as counts from './counts.mjs';
import { run } from './run.mjs';

const NPX = 'npx';

function readIfExists(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

function parseJson(text) {
  try {
    return text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

export async function types({ root, env }) {
  const { code } = await run(NPX, ['tsc', '--noEmit', '-p', 'tsconfig.json'], { cwd: root, env });
  if (code === 0) console.log('tsc: no type errors');
  // A type check has no tests to count; a failure still counts as one (see counts.settle).
  return { code, counts: { passed: 0, failed: 0 } };
}

export async function unit({ root, env, scratch }) {
  const report = join(scratch, 'vitest.json');
  // e2e/ holds Playwright specs, which Vitest would otherwise collect as `*.spec.ts`.
  const { code, output } = await run(
    NPX,
    ['vitest', 'run', '--exclude', 'e2e/**', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    { cwd: root, env },
  );
  const json = parseJson(readIfExists(report));
  return { code, counts: json ? counts.vitestCountsFromJson(json) : counts.vitestCountsFromText(output) };
}

const VENV = 'export/.venv';
const STAMP = join(VENV, '.facet-test-install');

/**
 * Creates export/.venv and installs `facet[test]` into it when missing or when pyproject.toml changed.
 * Its output is kept, not echoed (`npm test` starts it beside the type check and Vitest, whose output
 * it would break up): `log` holds what it said, printed by the py step.
 * @returns {Promise<{ok: boolean, log: string}>}
 */
export async function ensureVenv({ root, env, signal }) {
  const lines = [];
  const say = (line) => lines.push(line);
  const done = (ok) => ({ ok, log: lines.join('') });
  const python = join(root, VENV, 'bin/python');
  const pyproject = join(root, 'export/pyproject.toml');
  if (!existsSync(pyproject)) {
    say('py: export/pyproject.toml is missing: the Python package cannot be installed\n');
    return done(false);
  }
  if (!existsSync(python)) {
    say(`py: creating ${VENV}\n`);
    const venv = await run('python3', ['-m', 'venv', VENV], { cwd: root, env, quiet: true, signal });
    say(venv.output);
    if (venv.code !== 0) return done(false);
  }
  const want = createHash('sha256').update(readFileSync(pyproject)).digest('hex');
  const probe = await run(python, ['-c', 'import facet, pytest'], { cwd: root, env, quiet: true });
  if (probe.code === 0 && readIfExists(join(root, STAMP))?.trim() === want) return done(true);
  say(`py: installing export[test] into ${VENV} (pip -q)\n`);
  const t0 = Date.now();
  const pip = await run(join(root, VENV, 'bin/pip'), ['install', '-q', '--disable-pip-version-check', '-e', 'export[test]'], {
    cwd: root,
    env,
    quiet: true,
    signal,
  });
  say(pip.output);
  if (pip.code !== 0) {
    say(`py: pip install -e 'export[test]' failed (exit ${pip.code})\n`);
    return done(false);
  }
  say(`py: installed in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  writeFileSync(join(root, STAMP), `${want}\n`);
  return done(true);
}

/** `venv`: the promise of the ensureVenv that `npm test` started beside the steps before this one. */
export async function py({ root, env, scratch, venv }) {
  const t0 = Date.now();
  const ready = await venv;
  if (ready.log) process.stdout.write(ready.log);
  if (Date.now() - t0 > 1000) console.log(`py: waited ${((Date.now() - t0) / 1000).toFixed(1)}s more for ${VENV}`);
  if (!ready.ok) return { code: 1, counts: { passed: 0, failed: 0 } };
  const report = join(scratch, 'pytest.xml');
  const { code, output } = await run(
    join(root, VENV, 'bin/python'),
    ['-m', 'pytest', 'export/tests', '-q', `--junitxml=${report}`],
    { cwd: root, env },
  );
  if (code === 5) console.error('py: pytest collected no tests (exit 5): export/tests has none, counted as a failure');
  const xml = readIfExists(report);
  return { code, counts: (xml && counts.pytestCountsFromJunit(xml)) || counts.pytestCountsFromText(output) };
}

export async function e2e({ root, env, scratch }) {
  const report = join(scratch, 'playwright.json');
  const { code, output } = await run(NPX, ['playwright', 'test', '--reporter=list,json'], {
    cwd: root,
    env: { ...env, PLAYWRIGHT_JSON_OUTPUT_FILE: report },
  });
  const json = parseJson(readIfExists(report));
  return { code, counts: json ? counts.playwrightCountsFromJson(json) : counts.playwrightCountsFromText(output) };
}
