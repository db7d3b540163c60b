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

/** Creates export/.venv and installs `facet[test]` into it when missing or when pyproject.toml changed. */
async function ensureVenv({ root, env }) {
  const python = join(root, VENV, 'bin/python');
  const pyproject = join(root, 'export/pyproject.toml');
  if (!existsSync(pyproject)) {
    console.error('py: export/pyproject.toml is missing: the Python package cannot be installed');
    return false;
  }
  if (!existsSync(python)) {
    console.log(`py: creating ${VENV}`);
    const { code } = await run('python3', ['-m', 'venv', VENV], { cwd: root, env });
    if (code !== 0) return false;
  }
  const want = createHash('sha256').update(readFileSync(pyproject)).digest('hex');
  const probe = await run(python, ['-c', 'import facet, pytest'], { cwd: root, env, quiet: true });
  if (probe.code === 0 && readIfExists(join(root, STAMP))?.trim() === want) return true;
  console.log(`py: installing export[test] into ${VENV} (pip -q)`);
  const pip = await run(join(root, VENV, 'bin/pip'), ['install', '-q', '--disable-pip-version-check', '-e', 'export[test]'], {
    cwd: root,
    env,
  });
  if (pip.code !== 0) {
    console.error(`py: pip install -e 'export[test]' failed (exit ${pip.code})`);
    return false;
  }
  writeFileSync(join(root, STAMP), `${want}\n`);
  return true;
}

export async function py({ root, env, scratch }) {
  if (!(await ensureVenv({ root, env }))) return { code: 1, counts: { passed: 0, failed: 0 } };
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
