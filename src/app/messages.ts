/** Turning failures into sentences a user can act on. */
import { ModelError } from '../model/errors';

export function describeError(e: unknown): string {
  if (e instanceof ModelError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function loadFailure(modelName: string, e: unknown): string {
  return `Could not open the model "${modelName}": ${describeError(e)}`;
}
