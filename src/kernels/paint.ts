/**
 * Painted targets, the mirror of export/facet/reshape/paint.py: which regions a painted label
 * map asks to change (`editedRegions`), the benchmark's scripted edits (`EDITS`, what brush
 * strokes on the semantic view would do) and the run-length code fixtures and window.facet use.
 * Label maps are [H * W] region indices, row-major, row 0 at the top.
 */

/**
 * What lies in front of what when a stroke paints one region over another: painting a region
 * over one of lower or equal rank grows the painted region; painting over a higher rank (the
 * background over hair, the face over the mouth) shrinks the region painted over.
 */
export const RANKS: Readonly<Record<string, number>> = { background: 0, face: 1, neck_cloth: 1 };

export const rank = (name: string): number => RANKS[name] ?? 2;

/** The regions whose shape codes a painted target asks to change (sorted region indices). */
export function editedRegions(before: ArrayLike<number>, target: ArrayLike<number>, regions: readonly string[]): number[] {
  const out = new Set<number>();
  for (let i = 0; i < before.length; i++) {
    const old = before[i];
    const now = target[i];
    if (old === now) continue;
    out.add(rank(regions[now]) >= rank(regions[old]) ? now : old);
  }
  return [...out].sort((a, b) => a - b);
}

export type Dir = readonly [number, number]; // (dy, dx)
export const DOWN: Dir = [1, 0];
export const UP: Dir = [-1, 0];
export const LEFT: Dir = [0, -1];
export const RIGHT: Dir = [0, 1];
export const ALL: readonly Dir[] = [DOWN, UP, LEFT, RIGHT, [1, 1], [1, -1], [-1, 1], [-1, -1]];

/** Paint `region` over pixels of `into` up to `px` pixels away from it along `directions`. */
export function grow(labels: Uint8Array, width: number, height: number, region: number, into: readonly number[], px: number, directions: readonly Dir[]): Uint8Array {
  const grown = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) grown[i] = labels[i] === region ? 1 : 0;
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      if (labels[row * width + col] !== region) continue;
      for (const [dy, dx] of directions) {
        for (let s = 1; s <= px; s++) {
          const r = row + dy * s;
          const c = col + dx * s;
          if (r >= 0 && r < height && c >= 0 && c < width) grown[r * width + c] = 1;
        }
      }
    }
  }
  const out = labels.slice();
  for (let i = 0; i < labels.length; i++) if (grown[i] && into.includes(labels[i])) out[i] = region;
  return out;
}

/** Paint `fill` over the region's pixels from row `row` down. */
export function cutBelow(labels: Uint8Array, width: number, region: number, row: number, fill: number): Uint8Array {
  const out = labels.slice();
  for (let i = Math.max(row, 0) * width; i < labels.length; i++) if (labels[i] === region) out[i] = fill;
  return out;
}

/** Python's round(): halves to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface Edit {
  name: string;
  region: string;
  describe: string;
}

export const EDITS: readonly Edit[] = [
  { name: 'hair_longer', region: 'hair', describe: 'hair painted 14 px further down over the background and the cloth' },
  { name: 'hair_shorter', region: 'hair', describe: 'background painted over the hair below the mouth' },
  { name: 'hair_fuller', region: 'hair', describe: 'hair painted 8 px outwards over the background' },
  { name: 'mouth_wider', region: 'mouth', describe: 'mouth painted 4 px wider on both sides over the face' },
  { name: 'mouth_open', region: 'mouth', describe: 'mouth painted 4 px further down over the face' },
  { name: 'eyes_larger', region: 'eye', describe: 'eyes painted 2 px larger all round over the face' },
  { name: 'ears_larger', region: 'ear', describe: 'ears painted 4 px larger over the background and hair' },
  { name: 'neck_cloth_higher', region: 'neck_cloth', describe: 'neck and cloth painted 8 px higher over the background' },
];

/** A scripted edit by name, or the first one of a region (`mouth` -> mouth_wider). */
export function findEdit(nameOrRegion: string): Edit {
  const edit = EDITS.find((e) => e.name === nameOrRegion) ?? EDITS.find((e) => e.region === nameOrRegion);
  if (!edit) throw new Error(`No scripted edit "${nameOrRegion}" (edits: ${EDITS.map((e) => e.name).join(', ')}; or a region name)`);
  return edit;
}

/** The painted target of a scripted edit on a label map (sizes are for 256 px images). */
export function paintEdit(edit: string, labels: Uint8Array, width: number, height: number, regions: readonly string[]): Uint8Array {
  const r = (name: string) => {
    const k = regions.indexOf(name);
    if (k < 0) throw new Error(`This model has no region "${name}" (the edit ${edit} needs it)`);
    return k;
  };
  const px = (v: number) => Math.max(1, roundHalfEven((v * height) / 256));
  const g = (region: string, into: string[], size: number, dirs: readonly Dir[]) => grow(labels, width, height, r(region), into.map(r), px(size), dirs);
  switch (edit) {
    case 'hair_longer':
      return g('hair', ['background', 'neck_cloth'], 14, [DOWN]);
    case 'hair_shorter': {
      const mouth = r('mouth');
      const rows: number[] = [];
      for (let row = 0; row < height; row++) {
        for (let col = 0; col < width; col++) {
          if (labels[row * width + col] === mouth) {
            rows.push(row);
            break;
          }
        }
      }
      const row = rows.length ? Math.trunc(rows.reduce((s, v) => s + v, 0) / rows.length) : Math.trunc(0.6 * height);
      return cutBelow(labels, width, r('hair'), row, r('background'));
    }
    case 'hair_fuller':
      return g('hair', ['background'], 8, ALL);
    case 'mouth_wider':
      return g('mouth', ['face'], 4, [LEFT, RIGHT]);
    case 'mouth_open':
      return g('mouth', ['face'], 4, [DOWN]);
    case 'eyes_larger':
      return g('eye', ['face'], 2, ALL);
    case 'ears_larger':
      return g('ear', ['background', 'hair'], 4, ALL);
    case 'neck_cloth_higher':
      return g('neck_cloth', ['background'], 8, [UP]);
    default:
      throw new Error(`unknown edit '${edit}'`);
  }
}

/** Row-major run-length code: [value, count, value, count, ...]. */
export function rleEncode(labels: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length; ) {
    let j = i + 1;
    while (j < labels.length && labels[j] === labels[i]) j++;
    out.push(labels[i], j - i);
    i = j;
  }
  return out;
}

/** The label map of a run-length code; `size` (H * W) is checked. */
export function rleDecode(code: readonly number[], size: number): Uint8Array {
  if (code.length % 2 !== 0) throw new Error('A run-length code has pairs of (value, count): its length must be even');
  let total = 0;
  for (let i = 1; i < code.length; i += 2) total += code[i];
  if (total !== size) throw new Error(`The run-length code covers ${total} pixels, the image has ${size}`);
  const out = new Uint8Array(size);
  let o = 0;
  for (let i = 0; i < code.length; i += 2) {
    const v = code[i];
    const n = code[i + 1];
    if (!Number.isInteger(v) || v < 0 || v > 255 || !Number.isInteger(n) || n < 0) throw new Error(`Bad run (${v}, ${n}) in the run-length code`);
    out.fill(v, o, o + n);
    o += n;
  }
  return out;
}
