/** public/models/index.json: the models the app offers, and which one to open. */
import { ModelError, showValue } from './errors';
import type { IndexEntry, ModelIndex } from './manifest';

const FILE = 'index.json';

function fail(field: string, expected: string, found: unknown): never {
  throw new ModelError(FILE, `${field}: must be ${expected} (found ${showValue(found)})`);
}

function checkEntry(e: unknown, i: number): IndexEntry {
  if (typeof e !== 'object' || e === null) fail(`/models/${i}`, 'an object', e);
  const o = e as Record<string, unknown>;
  for (const key of ['id', 'name', 'manifest'] as const) {
    if (typeof o[key] !== 'string' || o[key] === '') fail(`/models/${i}/${key}`, 'a non-empty string', o[key]);
  }
  if (o.test_only !== undefined && typeof o.test_only !== 'boolean') fail(`/models/${i}/test_only`, 'a boolean', o.test_only);
  return { id: o.id as string, name: o.name as string, manifest: o.manifest as string, test_only: o.test_only === true };
}

export function parseIndex(data: unknown): ModelIndex {
  if (typeof data !== 'object' || data === null) fail('/', 'an object', data);
  const o = data as Record<string, unknown>;
  if (!Array.isArray(o.models) || o.models.length === 0) fail('/models', 'a non-empty array', o.models);
  const models = o.models.map(checkEntry);
  if (typeof o.default !== 'string' || !models.some((m) => m.id === o.default)) {
    fail('/default', `one of the listed ids (${models.map((m) => m.id).join(', ')})`, o.default);
  }
  return { default: o.default, models };
}

/** `?model=<id>` if given (an unknown id is an error), else the index's default. */
export function pickModel(index: ModelIndex, requested: string | null): IndexEntry {
  const id = requested ?? index.default;
  const entry = index.models.find((m) => m.id === id);
  if (!entry) throw new ModelError(FILE, `no model "${id}" (it lists ${index.models.map((m) => m.id).join(', ')})`);
  return entry;
}

/** Models the picker offers: test-only ones only with `?debug`. */
export function visibleModels(index: ModelIndex, debug: boolean): IndexEntry[] {
  return index.models.filter((m) => debug || !m.test_only);
}
