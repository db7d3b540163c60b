/**
 * The edits a user (or window.facet) can make, each built as one undoable Command from the
 * current state: slider, resample, copy / swap with the other portrait, lock, blend, seed,
 * truncation, and a raw "set this region's z rows" (for tools such as mask reshaping).
 * They throw an Error with a sentence for the user when the edit makes no sense.
 */
import { copyRows, getRow, keepLocked, lerp, rowOf, withEntry, withRow, type CodeKind } from '../kernels/latent';
import { normals, randomSeed, zFromSeed } from '../kernels/rng';
import type { Manifest, Slider } from '../model/manifest';
import { other, seedPortrait, type BlendState, type Portrait, type PortraitId } from '../store/store';
import { Command } from './command';

export interface EditState {
  manifest: Manifest | null;
  portraits: Record<PortraitId, Portrait>;
}

export type RegionAction =
  | 'resample-shape'
  | 'resample-texture'
  | 'copy-shape'
  | 'copy-texture'
  | 'swap-shape'
  | 'swap-texture'
  | 'lock'
  | 'unlock';

export const REGION_ACTIONS: readonly RegionAction[] = [
  'resample-shape', 'resample-texture', 'copy-shape', 'copy-texture', 'swap-shape', 'swap-texture', 'lock', 'unlock',
];

function needManifest(state: EditState): Manifest {
  if (!state.manifest) throw new Error('No model is open yet');
  return state.manifest;
}

/** The portrait's z [num_codes * z_dim] (the seed's when it has no edits). */
export function zOf(p: Portrait, manifest: Manifest): Float32Array {
  return p.z ?? zFromSeed(p.seed, manifest.latent.num_codes, manifest.latent.z_dim);
}

export function psiOf(p: Portrait, manifest: Manifest): number {
  return p.psi ?? manifest.latent.truncation_psi;
}

export function regionIndex(manifest: Manifest, region: string): number {
  const k = manifest.regions.findIndex((r) => r.name === region);
  if (k < 0) throw new Error(`This model has no region "${region}" (regions: ${manifest.regions.map((r) => r.name).join(', ')})`);
  return k;
}

export function findSlider(manifest: Manifest, region: string, kind: CodeKind, name: string): Slider {
  const s = manifest.latent.sliders.find((x) => x.region === region && x.kind === kind && x.name === name);
  if (!s) {
    const names = manifest.latent.sliders.filter((x) => x.region === region && x.kind === kind).map((x) => x.name);
    throw new Error(`No ${kind} slider "${name}" for ${region} (this model has: ${names.join(', ') || 'none'})`);
  }
  return s;
}

export function sliderValue(p: Portrait, manifest: Manifest, slider: Slider): number {
  const { z_dim } = manifest.latent;
  return zOf(p, manifest)[rowOf(regionIndex(manifest, slider.region), slider.kind) * z_dim + slider.slot];
}

/** The value the seed gives the slider (what "reset" goes back to). */
export function sliderDefault(p: Portrait, manifest: Manifest, slider: Slider): number {
  return sliderValue({ ...p, z: null }, manifest, slider);
}

const withoutBlend = (p: Portrait, k: number): Readonly<Record<number, BlendState>> => {
  if (!(k in p.blend)) return p.blend;
  const { [k]: _, ...rest } = p.blend;
  return rest;
};

/** p with region k's rows (or all rows) replaced in z; its blend slider starts over. */
function withZ(p: Portrait, z: Float32Array, k: number | null): Portrait {
  return { ...p, z, blend: k === null ? {} : withoutBlend(p, k) };
}

const regionLabel = (m: Manifest, k: number) => m.regions[k].label;

export function sliderEdit(state: EditState, id: PortraitId, region: string, kind: CodeKind, name: string, value: number, open = false): Command {
  const m = needManifest(state);
  const k = regionIndex(m, region);
  const slider = findSlider(m, region, kind, name);
  if (!Number.isFinite(value)) throw new Error(`Slider ${slider.label}: ${value} is not a number`);
  const p = state.portraits[id];
  const z = withEntry(zOf(p, m), rowOf(k, kind), slider.slot, value, m.latent.z_dim);
  const named = slider.label.toLowerCase().includes(regionLabel(m, k).toLowerCase()) ? slider.label : `${regionLabel(m, k)} ${slider.label}`;
  return new Command(`${id}: ${named}`, { [id]: p }, { [id]: withZ(p, z, k) }, `slider:${id}:${region}:${kind}:${name}`, open);
}

export function regionEdit(state: EditState, id: PortraitId, region: string, action: RegionAction, random: () => number = Math.random): Command {
  const m = needManifest(state);
  const k = regionIndex(m, region);
  const zDim = m.latent.z_dim;
  const p = state.portraits[id];
  const o = other(id);
  const q = state.portraits[o];
  const label = regionLabel(m, k);
  const kind: CodeKind = action.endsWith('shape') ? 'shape' : 'texture';
  const word = kind === 'shape' ? 'shape' : 'appearance';
  const row = rowOf(k, kind);
  switch (action) {
    case 'lock':
    case 'unlock': {
      const locks = m.regions.map((_, i) => (i === k ? action === 'lock' : (p.locks[i] ?? false)));
      return new Command(`${id}: ${action} ${label}`, { [id]: p }, { [id]: { ...p, locks } });
    }
    case 'resample-shape':
    case 'resample-texture': {
      if (p.locks[k]) throw new Error(`${label} is locked in portrait ${id}: unlock it to resample`);
      const fresh = normals(randomSeed(random), zDim);
      return new Command(`${id}: new ${label} ${word}`, { [id]: p }, { [id]: withZ(p, withRow(zOf(p, m), row, fresh, zDim), k) });
    }
    case 'copy-shape':
    case 'copy-texture': {
      const z = copyRows(zOf(p, m), zOf(q, m), [row], zDim);
      return new Command(`${id}: ${label} ${word} from ${o}`, { [id]: p }, { [id]: withZ(p, z, k) });
    }
    case 'swap-shape':
    case 'swap-texture': {
      const zp = zOf(p, m);
      const zq = zOf(q, m);
      return new Command(
        `${id}: swap ${label} ${word} with ${o}`,
        { [id]: p, [o]: q },
        { [id]: withZ(p, copyRows(zp, zq, [row], zDim), k), [o]: withZ(q, copyRows(zq, zp, [row], zDim), k) },
      );
    }
    default:
      throw new Error(`Unknown region action "${String(action)}" (actions: ${REGION_ACTIONS.join(', ')})`);
  }
}

/** Region k's two z rows (shape, texture) as one [2 * z_dim] array. */
function regionRows(z: Float32Array, k: number, zDim: number): Float32Array {
  return z.slice(2 * k * zDim, (2 * k + 2) * zDim);
}

/**
 * The blend slider: t = 0 is the region as it was when its blend began (the anchor), t = 1 the
 * other portrait's region (shape and texture), in between their linear interpolation in z.
 */
export function blendEdit(state: EditState, id: PortraitId, region: string, t: number, open = false): Command {
  const m = needManifest(state);
  if (!(t >= 0 && t <= 1)) throw new Error(`Blend must be between 0 and 1 (got ${t})`);
  const k = regionIndex(m, region);
  const zDim = m.latent.z_dim;
  const p = state.portraits[id];
  const zp = zOf(p, m);
  const anchor = p.blend[k]?.anchor ?? regionRows(zp, k, zDim);
  const rows = lerp(anchor, regionRows(zOf(state.portraits[other(id)], m), k, zDim), t);
  const z = zp.slice();
  z.set(rows, 2 * k * zDim);
  const next: Portrait = { ...p, z, blend: { ...p.blend, [k]: { t, anchor } } };
  return new Command(`${id}: blend ${regionLabel(m, k)} with ${other(id)}`, { [id]: p }, { [id]: next }, `blend:${id}:${region}`, open);
}

/** A new seed: a fresh z, except the rows of locked regions. */
export function seedEdit(state: EditState, id: PortraitId, seed: number): Command {
  const m = needManifest(state);
  if (!Number.isFinite(seed) || seed < 0) throw new Error(`A seed is a whole number from 0 (got ${seed})`);
  const p = state.portraits[id];
  const fresh = seedPortrait(seed);
  const anyLock = p.locks.some(Boolean);
  const z = anyLock ? keepLocked(zOf(fresh, m), zOf(p, m), p.locks, m.latent.z_dim) : null;
  const blend = Object.fromEntries(Object.entries(p.blend).filter(([k]) => p.locks[Number(k)]));
  return new Command(`${id}: seed ${fresh.seed}`, { [id]: p }, { [id]: { ...p, seed: fresh.seed, z, blend } });
}

export function psiEdit(state: EditState, id: PortraitId, psi: number, open = false): Command {
  needManifest(state);
  if (!(psi >= 0 && psi <= 1.5)) throw new Error(`Truncation must be between 0 and 1.5 (got ${psi})`);
  const p = state.portraits[id];
  return new Command(`${id}: truncation ${psi.toFixed(2)}`, { [id]: p }, { [id]: { ...p, psi } }, `psi:${id}`, open);
}

/**
 * Replace region `region`'s shape and/or texture z row of portrait `id` (each [z_dim]), as one
 * undoable command: the hook for tools that compute a new latent for a region.
 */
export function regionZEdit(
  state: EditState,
  id: PortraitId,
  region: string,
  rows: { shape?: ArrayLike<number>; texture?: ArrayLike<number> },
  label = 'set latent',
): Command {
  const m = needManifest(state);
  const k = regionIndex(m, region);
  const zDim = m.latent.z_dim;
  const p = state.portraits[id];
  let z = zOf(p, m);
  for (const kind of ['shape', 'texture'] as const) {
    const v = rows[kind];
    if (!v) continue;
    if (!Array.from(v).every(Number.isFinite)) throw new Error(`${kind} row for ${region}: values must be finite numbers`);
    z = withRow(z, rowOf(k, kind), v, zDim);
  }
  return new Command(`${id}: ${regionLabel(m, k)} ${label}`, { [id]: p }, { [id]: withZ(p, z, k) });
}

/** One region's new z rows for `regionsZEdit`. */
export interface RegionRows {
  region: string;
  shape?: ArrayLike<number>;
  texture?: ArrayLike<number>;
}

/**
 * Replace the z rows of several regions of portrait `id` as ONE undoable command labelled
 * `<id>: <label>` (mask reshaping that changes more than one region). Locked regions are refused.
 */
export function regionsZEdit(state: EditState, id: PortraitId, changes: readonly RegionRows[], label: string): Command {
  const m = needManifest(state);
  if (changes.length === 0) throw new Error('No region to change');
  const zDim = m.latent.z_dim;
  let p = state.portraits[id];
  let z = zOf(p, m);
  for (const c of changes) {
    const k = regionIndex(m, c.region);
    if (p.locks[k]) throw new Error(`${regionLabel(m, k)} is locked in portrait ${id}: unlock it to change it`);
    for (const kind of ['shape', 'texture'] as const) {
      const v = c[kind];
      if (!v) continue;
      if (v.length !== zDim) throw new Error(`${kind} row for ${c.region}: expected ${zDim} values, got ${v.length}`);
      if (!Array.from(v).every(Number.isFinite)) throw new Error(`${kind} row for ${c.region}: values must be finite numbers`);
      z = withRow(z, rowOf(k, kind), v, zDim);
    }
    p = withZ(p, z, k);
  }
  return new Command(`${id}: ${label}`, { [id]: state.portraits[id] }, { [id]: p });
}

export { getRow };

/** Whether two portraits are the same state (an edit that changes nothing is not recorded). */
export function samePortrait(a: Portrait | undefined, b: Portrait | undefined, manifest: Manifest): boolean {
  if (!a || !b) return a === b;
  if (a === b) return true;
  if (a.seed !== b.seed || psiOf(a, manifest) !== psiOf(b, manifest)) return false;
  const n = manifest.regions.length;
  for (let k = 0; k < n; k++) {
    if ((a.locks[k] ?? false) !== (b.locks[k] ?? false)) return false;
    if (a.blend[k]?.t !== b.blend[k]?.t) return false;
  }
  const [za, zb] = [zOf(a, manifest), zOf(b, manifest)];
  return za.every((v, i) => v === zb[i]);
}
