/** Schema validation of manifest.json with ajv against export/facet/schemas/manifest.schema.json. */
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import schema from '../../export/facet/schemas/manifest.schema.json';
import { ModelError, showValue } from './errors';
import type { Manifest } from './manifest';

const ajv = new Ajv2020({ allErrors: false, strict: false });
const validateSchema = ajv.compile<Manifest>(schema);

/** The value at a JSON pointer, for "found ..." in messages. */
export function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let v: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export function describeSchemaError(e: ErrorObject, data: unknown): string {
  const where = e.instancePath || '/';
  if (e.keyword === 'required') return `${where}: ${e.message}`;
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return `${where}: must NOT have the unknown property "${extra}"`;
  }
  const allowed = e.keyword === 'enum' ? ` ${showValue((e.params as { allowedValues: unknown[] }).allowedValues)}` : '';
  const constant = e.keyword === 'const' ? ` ${showValue((e.params as { allowedValue: unknown }).allowedValue)}` : '';
  return `${where}: ${e.message}${allowed}${constant} (found ${showValue(valueAt(data, e.instancePath))})`;
}

/** Returns the manifest typed, or throws a ModelError naming the first problem. */
export function validateManifest(data: unknown, file = 'manifest.json'): Manifest {
  if (validateSchema(data)) return data;
  const first = validateSchema.errors?.[0];
  throw new ModelError(file, first ? describeSchemaError(first, data) : 'does not match the manifest schema');
}
