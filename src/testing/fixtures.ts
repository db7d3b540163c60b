// Node-only helper for unit tests: reads the shared fixtures written by the Python side.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../e2e/fixtures/', import.meta.url));

/** Parsed `e2e/fixtures/<name>`, or null (with a message on stderr) while it does not exist. */
export function readFixture<T>(name: string): T | null {
  const path = FIXTURES + name;
  if (!existsSync(path)) {
    console.warn(`[fixtures] ${path} is missing: skipping the shared-fixture checks (generate it with the Python side).`);
    return null;
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
