/**
 * Session files: the model id, both portraits (seed, truncation, z, locks) and the list of edits
 * made, as JSON. Loading validates the file (zod) against the open model and says precisely
 * what is wrong; a bad file changes nothing.
 */
import { z } from 'zod';
import type { Manifest } from '../model/manifest';
import type { Portrait, PortraitId } from '../store/store';
import { psiOf, zOf } from '../commands/edits';

export const SESSION_FORMAT = 'facet-session';
export const SESSION_VERSION = 1;

const portraitSchema = z.object({
  seed: z.number().int().min(0).max(2 ** 32 - 1),
  psi: z.number().min(0).max(1.5),
  /** [num_codes][z_dim]: row 2k region k's shape latent, 2k + 1 its texture latent. */
  z: z.array(z.array(z.number())),
  locked: z.array(z.string()),
});

export const sessionSchema = z.object({
  format: z.literal(SESSION_FORMAT),
  version: z.literal(SESSION_VERSION),
  model: z.string().min(1),
  portraits: z.object({ A: portraitSchema, B: portraitSchema }),
  /** The edits made, oldest first (for the reader; loading does not replay them). */
  edits: z.array(z.string()),
  /** Optional: the codes [num_codes][code_dim] the mapping graph made of each z (for tools). */
  codes: z.object({ A: z.array(z.array(z.number())), B: z.array(z.array(z.number())) }).partial().optional(),
});

export type SessionFile = z.infer<typeof sessionSchema>;

export class SessionError extends Error {}

function rows(flat: Float32Array, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
}

export function toSession(
  modelId: string,
  manifest: Manifest,
  portraits: Record<PortraitId, Portrait>,
  edits: string[],
  codes: Partial<Record<PortraitId, Float32Array>> = {},
): SessionFile {
  const one = (p: Portrait) => ({
    seed: p.seed,
    psi: psiOf(p, manifest),
    z: rows(zOf(p, manifest), manifest.latent.z_dim),
    locked: manifest.regions.filter((_, k) => p.locks[k]).map((r) => r.name),
  });
  const codeRows = Object.fromEntries(Object.entries(codes).map(([id, c]) => [id, rows(c, manifest.latent.code_dim)]));
  return {
    format: SESSION_FORMAT,
    version: SESSION_VERSION,
    model: modelId,
    portraits: { A: one(portraits.A), B: one(portraits.B) },
    edits,
    codes: codeRows,
  };
}

/** Parses and checks a session file against the open model; throws SessionError with the reason. */
export function fromSession(json: string, modelId: string, manifest: Manifest): Record<PortraitId, Portrait> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new SessionError(`The session file is not valid JSON (${(e as Error).message})`);
  }
  const parsed = sessionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : 'the file';
    throw new SessionError(`The session file is not a Facet session: ${where}: ${issue.message}`);
  }
  const s = parsed.data;
  if (s.model !== modelId) throw new SessionError(`The session is for the model "${s.model}", but "${modelId}" is open: pick that model first`);
  const { num_codes, z_dim } = manifest.latent;
  const names = manifest.regions.map((r) => r.name);
  const one = (id: PortraitId): Portrait => {
    const p = s.portraits[id];
    if (p.z.length !== num_codes || p.z.some((r) => r.length !== z_dim)) {
      throw new SessionError(`The session's portrait ${id} has a z of the wrong size (expected ${num_codes} rows of ${z_dim} numbers)`);
    }
    const unknown = p.locked.find((n) => !names.includes(n));
    if (unknown) throw new SessionError(`The session's portrait ${id} locks "${unknown}", which this model does not have`);
    return { seed: p.seed, psi: p.psi, z: Float32Array.from(p.z.flat()), locks: names.map((n) => p.locked.includes(n)), blend: {} };
  };
  return { A: one('A'), B: one('B') };
}
