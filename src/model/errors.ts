/**
 * Every way a model can fail to load becomes a ModelError whose message names the file and
 * field, what was expected and what was found, e.g.
 * `manifest.json: /render/beta: must be number (found "abc")`.
 */
export class ModelError extends Error {
  override name = 'ModelError';

  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A short JSON rendering of a found value for messages. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
