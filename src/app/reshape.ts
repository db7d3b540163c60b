/**
 * Paint to reshape, one apply: the painted label map -> new shape z of the edited regions
 * (export/facet/reshape/apply.py `Reshaper.apply`, with the pure steps in kernels/reshape.ts).
 *
 * `searchReshape` runs the search on plain inputs (the current bakes, the edit camera's rays,
 * the current and the painted labels) with the model's `reshape` graph between generations;
 * `reshapePortrait` gathers those inputs for a portrait of the app and commits the result as
 * one undoable command (controller.reshape).
 */
import { cam2world, pixelRays } from '../kernels/camera';
import { editedRegions } from '../kernels/paint';
import {
  activeSlots,
  EvolutionSearch,
  RESHAPE,
  ReshapeProblem,
  type ReshapeBakes,
  type ReshapeSetup,
  type Vec3,
} from '../kernels/reshape';
import type { Graph, LoadedModel } from '../model/loader';
import type { Manifest } from '../model/manifest';
import type { RegionRows } from '../commands/edits';
import type { PortraitId } from '../store/store';
import type { PortraitData } from './portraitPipeline';

export interface ReshapeOptions {
  signal?: AbortSignal;
  /** Generations done of the total, after each one (and 0 of total at the start). */
  onProgress?(done: number, total: number): void;
}

/** What one apply did (controller.reshape). */
export interface ReshapeResult {
  /** The regions whose shape codes the search changed (or would have), by name. */
  edited: string[];
  /** Painted regions left alone because they are locked. */
  locked: string[];
  /** Mask loss (+ prior) of the current codes and of the best codes found. */
  loss0: number;
  loss: number;
  /** Candidates rendered by the reshape graph. */
  evaluations: number;
  ms: number;
  /** Where the time went: the reshape graph's runs, the TypeScript proxy (fixed part, box, candidate
   * label maps, losses), and the commit (re-bake of the edited regions and their new preview). */
  graphMs: number;
  proxyMs: number;
  commitMs: number;
  /** Whether a new shape was committed (false: nothing beat the current codes). */
  changed: boolean;
  /** The outcome in words (for the status line). */
  message: string;
}

export class ReshapeCancelled extends Error {
  readonly name = 'AbortError';
  constructor() {
    super('The reshape was cancelled; nothing changed');
  }
}

/** What one apply searches from: the problem's inputs as the app holds them (the manifest gives
 * the grid, batch, camera and z_dim; the graph runs the candidates). */
export interface SearchInputs
  extends Pick<ReshapeSetup, 'z' | 'bakes' | 'origins' | 'dirs' | 'width' | 'height' | 'before' | 'target' | 'edited'> {
  manifest: Manifest;
  graph: Graph;
  psi: number;
}

export interface SearchOutcome {
  /** The regions searched (the edited ones with shape directions). */
  edited: number[];
  z: Float32Array; // the new z (edited regions' active shape slots replaced)
  x: Float32Array;
  x0: Float64Array;
  loss: number;
  loss0: number;
  history: number[];
  /** Mask losses of generation 0's candidates (without the prior). */
  losses0: number[];
  /** Mask losses of every generation's candidates (without the prior), [generations (+ the parsimony batch)][batch]. */
  losses: number[][];
  evaluations: number;
  /** The proxy's rays and their grid step in image pixels. */
  rays: number;
  stride: number;
  box: [Vec3, Vec3];
  /** ms in the graph and in the JS proxy. */
  graphMs: number;
  proxyMs: number;
}

const now = () => performance.now();

/**
 * The `reshape` graph on n z rows [n * zDim] of region `region` -> sdf, mask_logit [n * cells]
 * (apply.py run_graph): the graph takes `rowsPerRun` rows a run, so the rows go in runs of that
 * many, the last one padded with copies of its last row. Cancel is checked before each run.
 */
async function runRows(
  graph: Graph,
  region: number,
  rows: Float32Array,
  n: number,
  g: { rowsPerRun: number; zDim: number; cells: number; psi: number; box: { min: Float32Array; max: Float32Array } },
  signal?: AbortSignal,
): Promise<{ sdf: Float32Array; maskLogit: Float32Array }> {
  const { rowsPerRun, zDim, cells } = g;
  const sdf = new Float32Array(n * cells);
  const maskLogit = new Float32Array(n * cells);
  for (let a = 0; a < n; a += rowsPerRun) {
    if (signal?.aborted) throw new ReshapeCancelled();
    const take = Math.min(rowsPerRun, n - a);
    const z = new Float32Array(rowsPerRun * zDim);
    for (let c = 0; c < rowsPerRun; c++) {
      const row = a + Math.min(c, take - 1);
      z.set(rows.subarray(row * zDim, (row + 1) * zDim), c * zDim);
    }
    const out = await graph.run({
      region: { type: 'int64', dims: [1], data: BigInt64Array.of(BigInt(region)) },
      z: { type: 'float32', dims: [rowsPerRun, zDim], data: z },
      psi: { type: 'float32', dims: [1], data: Float32Array.of(g.psi) },
      box_min: { type: 'float32', dims: [3], data: g.box.min },
      box_max: { type: 'float32', dims: [3], data: g.box.max },
    });
    sdf.set((out.sdf.data as Float32Array).subarray(0, take * cells), a * cells);
    maskLogit.set((out.mask_logit.data as Float32Array).subarray(0, take * cells), a * cells);
  }
  return { sdf, maskLogit };
}

/** The reshape search on plain inputs; throws ReshapeCancelled when `signal` aborts (checked before each graph run). */
export async function searchReshape(inp: SearchInputs, opts: ReshapeOptions = {}): Promise<SearchOutcome> {
  const m = inp.manifest;
  if (!m.reshape) throw new Error('This model has no reshape graph; painting is disabled');
  const { resolution, batch: rowsPerRun } = m.reshape;
  const zDim = m.latent.z_dim;
  const names = m.regions.map((r) => r.name);
  const slots = inp.edited.map((e) => activeSlots(m.latent.sliders, names[e]));
  const empty = inp.edited.filter((_, i) => slots[i].length === 0);
  if (empty.length === inp.edited.length) {
    throw new Error(`This model has no shape directions for ${empty.map((e) => m.regions[e].label).join(', ')}: it cannot be reshaped by painting`);
  }
  // Regions without directions cannot change: search the others.
  const edited = inp.edited.filter((_, i) => slots[i].length > 0);
  const t0 = now();
  const problem = new ReshapeProblem({
    numRegions: names.length,
    resolution,
    near: m.camera.near,
    far: m.camera.far,
    zDim,
    z: inp.z,
    bakes: inp.bakes,
    origins: inp.origins,
    dirs: inp.dirs,
    width: inp.width,
    height: inp.height,
    before: inp.before,
    target: inp.target,
    edited,
    slots: slots.filter((s) => s.length > 0),
    labelBias: m.config?.label_bias,
  });
  let proxyMs = now() - t0;
  let graphMs = 0;
  const search = new EvolutionSearch(problem.x0, { ...RESHAPE.SEARCH });
  const cells = resolution ** 3;
  const box = problem.box;
  // the parsimony batch after the generations, when it is on (it is skipped when the best x never moved)
  const total = RESHAPE.SEARCH.generations + (RESHAPE.SEARCH.parsimony > 0 ? 1 : 0);
  const generations: number[][] = [];
  opts.onProgress?.(0, total);
  while (!search.done) {
    const cand = search.ask(); // runRows checks Cancel before each run
    const n = cand.length / problem.dims; // 8, fewer in the parsimony batch
    const outputs = [];
    const g0 = now();
    for (let i = 0; i < edited.length; i++) {
      outputs.push(await runRows(inp.graph, edited[i], problem.zRows(cand, i), n, { rowsPerRun, zDim, cells, psi: inp.psi, box }, opts.signal));
    }
    const p0 = now();
    graphMs += p0 - g0;
    const losses = problem.losses(outputs);
    proxyMs += now() - p0;
    generations.push(Array.from(losses));
    search.tell(losses);
    opts.onProgress?.(search.generation, total);
  }
  if (opts.signal?.aborted) throw new ReshapeCancelled();
  if (search.generation < total) opts.onProgress?.(total, total);
  const res = search.result();
  const z = inp.z.slice();
  let off = 0;
  edited.forEach((e, i) => {
    for (const s of slots.filter((x) => x.length > 0)[i]) z[2 * e * zDim + s] = res.x[off++];
  });
  return {
    edited,
    z,
    x: res.x,
    x0: problem.x0,
    loss: res.loss,
    loss0: res.loss0,
    history: res.history,
    losses0: generations[0] ?? [],
    losses: generations,
    evaluations: res.evaluations,
    rays: problem.pixels.length,
    stride: problem.stride,
    box: [problem.boxMin, problem.boxMax],
    graphMs,
    proxyMs,
  };
}

/** The bakes of a portrait's preview as the search reads them. */
export function bakesOf(manifest: Manifest, data: PortraitData): ReshapeBakes {
  if (!data.baseSdf || data.bakes.some((b) => !b)) throw new Error('The portrait is still being baked; try again when its preview is in place');
  return {
    resolution: manifest.bake.resolution,
    bounds: manifest.bake.bounds,
    base: data.baseSdf,
    sdf: data.bakes.map((b) => b!.sdf),
    maskLogit: data.bakes.map((b) => b!.maskLogit),
  };
}

/** Whether a model can reshape by painting, and why not. */
export function reshapeSupport(model: LoadedModel | null): { ok: boolean; reason?: string } {
  if (!model) return { ok: false, reason: 'No model is open yet' };
  if (!model.manifest.reshape || !model.graphs.reshape) return { ok: false, reason: 'This model has no reshape graph; painting is disabled' };
  if (!model.manifest.latent.sliders.some((s) => s.kind === 'shape')) {
    return { ok: false, reason: 'This model names no shape directions (no shape sliders); painting is disabled' };
  }
  return { ok: true };
}

/** What reshapePortrait needs from the controller. */
export interface ReshapeHost {
  model: LoadedModel;
  /** Current final labels and the pose they were rendered at (waits for the final image). */
  finalImage(id: PortraitId): Promise<{ labels: Uint8Array; width: number; height: number; pose: { yaw: number; pitch: number } }>;
  whenPreview(id: PortraitId): Promise<void>;
  currentKey(id: PortraitId): string | null;
  portraitState(id: PortraitId): { z: Float32Array; psi: number; locks: boolean[] };
  portraitData(id: PortraitId): PortraitData | null;
  commit(id: PortraitId, changes: RegionRows[], label: string): Promise<void>;
}

/** One reshape of portrait `id` towards the painted `target` (labels of its final image's size). */
export async function reshapePortrait(host: ReshapeHost, id: PortraitId, target: Uint8Array, opts: ReshapeOptions = {}): Promise<ReshapeResult> {
  const start = now();
  const support = reshapeSupport(host.model);
  if (!support.ok) throw new Error(support.reason);
  const m = host.model.manifest;
  await host.whenPreview(id);
  const image = await host.finalImage(id);
  const key = host.currentKey(id);
  const { width, height, labels: before } = image;
  if (target.length !== before.length) {
    throw new Error(`The painted mask has ${target.length} pixels but the image has ${width} x ${height} = ${before.length}`);
  }
  const k = m.regions.length;
  const bad = target.findIndex((v) => v >= k);
  if (bad >= 0) throw new Error(`The painted mask has label ${target[bad]} at pixel ${bad}; this model has ${k} regions (0-${k - 1})`);
  const painted = editedRegions(before, target, m.regions.map((r) => r.name));
  if (painted.length === 0) throw new Error('Nothing is painted: the mask is the same as the current one');
  const state = host.portraitState(id);
  const locked = painted.filter((e) => state.locks[e]);
  const edited = painted.filter((e) => !state.locks[e]);
  const label = (ks: number[]) => ks.map((e) => m.regions[e].label).join(', ');
  if (edited.length === 0) throw new Error(`${label(locked)} ${locked.length > 1 ? 'are' : 'is'} locked: unlock ${locked.length > 1 ? 'them' : 'it'} to reshape`);
  const data = host.portraitData(id);
  if (!data || data.key !== key) throw new Error('The portrait is still being baked; try again when its preview is in place');
  const { camera } = m;
  const rays = pixelRays(cam2world(image.pose.yaw, image.pose.pitch, camera.radius), width, height, camera.fov_deg);
  const out = await searchReshape(
    { manifest: m, graph: host.model.graphs.reshape!, z: state.z, psi: state.psi, bakes: bakesOf(m, data), origins: rays.origins, dirs: rays.dirs, width, height, before, target, edited },
    opts,
  );
  const searched = out.edited;
  const names = searched.map((e) => m.regions[e].name);
  const base = {
    edited: names, locked: locked.map((e) => m.regions[e].name), loss0: out.loss0, loss: out.loss, evaluations: out.evaluations,
    graphMs: out.graphMs, proxyMs: out.proxyMs,
  };
  const skipped = locked.length ? ` (${label(locked)} locked, left as it is)` : '';
  if (!(out.loss < out.loss0)) {
    return { ...base, commitMs: 0, ms: now() - start, changed: false, message: `No shape of ${label(searched)} fits the painting better than the current one; nothing changed${skipped}` };
  }
  if (host.currentKey(id) !== key) throw new Error('The portrait changed while the reshape ran; nothing was applied');
  const zDim = m.latent.z_dim;
  const c0 = now();
  await host.commit(
    id,
    searched.map((e) => ({ region: m.regions[e].name, shape: out.z.subarray(2 * e * zDim, (2 * e + 1) * zDim) })),
    `reshape ${names.join(' + ')}`,
  );
  return { ...base, commitMs: now() - c0, ms: now() - start, changed: true, message: `Reshaped ${label(searched)}: mask loss ${out.loss0.toFixed(3)} -> ${out.loss.toFixed(3)}${skipped}` };
}
