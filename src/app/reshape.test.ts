// Paint to reshape, browser vs Python: one apply on the tiny model with real ONNX Runtime (wasm),
// compared with the same apply in Python (e2e/fixtures/reshape-tiny.json, written by
// `cd export && .venv/bin/python -m facet.reshape.fixture`). Codes and bakes come from the
// model's graphs here as in the app; the rays from kernels/camera; the search from
// searchReshape (kernels/reshape.ts). What must agree:
// - the constants (the fixture's record of Python's, Python's source now, and RESHAPE);
// - the proxy's rays (exact; also proxy_pixels on other paintings, some with a grid step > 1 px) and the world box;
// - every candidate's mask loss in every generation: a mask loss is a function of the proxy's
//   64 x 64 label map, so one ray with another label moves it by >= ~1/4096 of an IoU; the
//   tolerance (1e-9) allows only float64 summation order, i.e. the label maps must be the same;
// - the best x and the new z (float32 on both sides, from the same float64 search arithmetic);
// - the history: the loss falls at the same generations to the same values.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cam2world, pixelRays } from '../kernels/camera';
import { editedRegions, paintEdit, rleDecode } from '../kernels/paint';
import { proxyPixels, RESHAPE, type ReshapeBakes } from '../kernels/reshape';
import { zFromSeed } from '../kernels/rng';
import type { LoadedModel } from '../model/loader';
import type { Manifest, Slider } from '../model/manifest';
import { loadTinyModel, tinyPresent } from '../testing/tinyModel';
import { bakeBase, bakeRegion } from '../viewport/bakePreview';
import { mapZ } from '../viewport/finalRender';
import { ReshapeCancelled, searchReshape, type SearchInputs, type SearchOutcome } from './reshape';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RERUN = 'cd export && .venv/bin/python -m facet.reshape.fixture';

interface Fixture {
  model: string;
  constants: Record<string, unknown>;
  inputs: {
    seed: number;
    psi: number;
    yaw: number;
    pitch: number;
    width: number;
    height: number;
    edit: string;
    sliders: Slider[];
    before_rle: number[];
    target_rle: number[];
    edited: number[];
  };
  python: {
    rays: number;
    stride: number;
    bands: { changed?: number[]; block?: number[]; scale: number; edited: number[]; rays: number; stride: number; pixels_rle: number[]; fine_rle: number[]; fine_weight: number; outside: number[] }[];
    box: [number[], number[]];
    losses0: number[];
    losses: number[][];
    loss0: number;
    loss: number;
    history: number[];
    evaluations: number;
    x: number[];
    z: number[];
    /** The same apply with a label prior (config.label_bias) in the proxy. */
    biased: { label_bias: number[]; losses: number[][]; loss0: number; loss: number; evaluations: number; x: number[] };
  };
}

const fixture = JSON.parse(readFileSync(ROOT + 'e2e/fixtures/reshape-tiny.json', 'utf8')) as Fixture;

/** Python's reshape constants as its source states them now (apply.py, proxy.py, search.py's SearchConfig). */
function pythonConstants(): Record<string, unknown> {
  const src = (f: string) => readFileSync(ROOT + 'export/facet/reshape/' + f, 'utf8');
  const num = (text: string, file: string, name: string, indent = '') => {
    const m = new RegExp(`^${indent}${name}(?:\\s*:\\s*\\w+)?\\s*=\\s*([-+0-9.eE]+)`, 'm').exec(text);
    if (!m) throw new Error(`${name} not found in export/facet/reshape/${file}: update src/app/reshape.test.ts`);
    return Number(m[1]);
  };
  const apply = src('apply.py');
  const proxy = src('proxy.py');
  const search = src('search.py').split('class SearchConfig')[1] ?? '';
  const out: Record<string, unknown> = {};
  for (const n of ['MAX_RAYS', 'BAND', 'STRIDE_GROWTH', 'STEPS', 'DEPTH_STEPS', 'BOX_MARGIN', 'FINE_RAYS', 'FINE_AREA', 'FINE_DILATE', 'FINE_DIVISOR', 'WEIGHT_UNIT'])
    out[n] = num(apply, 'apply.py', n);
  for (const n of ['AREA_WEIGHT', 'OTHERS_MAX_WEIGHT']) out[n] = num(proxy, 'proxy.py', n);
  out.SEARCH = Object.fromEntries(['generations', 'batch', 'sigma', 'decay', 'clip', 'prior', 'seed', 'compass', 'compass_step', 'parsimony'].map((n) => [n, num(search, 'search.py', n, '\\s+')]));
  return out;
}

/** The browser's constants in the fixture's shape. */
const browserConstants = { ...RESHAPE, SEARCH: { ...RESHAPE.SEARCH } };

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('reshape parity with Python (fixture)', () => {
  it("records Python's constants as its source states them now", () => {
    expect(fixture.constants, `export/facet/reshape changed its constants since the fixture was written: re-run \`${RERUN}\``).toEqual(pythonConstants());
  });

  it("has the browser's constants equal to Python's", () => {
    expect(browserConstants, `src/kernels/reshape.ts RESHAPE differs from Python's constants in e2e/fixtures/reshape-tiny.json: re-sync it (and re-run \`${RERUN}\` after a Python change)`).toEqual(
      fixture.constants,
    );
  });
});

describe.skipIf(!tinyPresent)('reshape on the tiny model: browser vs Python (wasm)', () => {
  let model: LoadedModel;
  let out: SearchOutcome;
  let searchInputs: SearchInputs;
  const inp = fixture.inputs;
  const py = fixture.python;
  const size = inp.width * inp.height;
  const before = rleDecode(inp.before_rle, size);
  const target = rleDecode(inp.target_rle, size);

  beforeAll(async () => {
    model = await loadTinyModel();
    const m = model.manifest;
    expect(fixture.model).toBe(m.id);
    expect(inp.width).toBe(m.render.resolution);
    const { latent, bake, camera } = m;
    const z = zFromSeed(inp.seed, latent.num_codes, latent.z_dim);
    const codes = await mapZ(model, z, inp.psi);
    const baked = [];
    for (let k = 0; k < m.regions.length; k++) baked.push(await bakeRegion(model, codes, k));
    const bakes: ReshapeBakes = {
      resolution: bake.resolution,
      bounds: bake.bounds,
      base: await bakeBase(model, codes),
      sdf: baked.map((b) => b.sdf),
      maskLogit: baked.map((b) => b.maskLogit),
    };
    // The tiny model names no sliders: the fixture's are every region's shape slots.
    const manifest: Manifest = { ...m, latent: { ...latent, sliders: inp.sliders } };
    const rays = pixelRays(cam2world(inp.yaw, inp.pitch, camera.radius), inp.width, inp.height, camera.fov_deg);
    searchInputs = {
      manifest,
      graph: model.graphs.reshape!,
      z,
      psi: inp.psi,
      bakes,
      origins: rays.origins,
      dirs: rays.dirs,
      width: inp.width,
      height: inp.height,
      before,
      target,
      edited: inp.edited,
    };
    out = await searchReshape(searchInputs);
  }, 120_000);
  afterAll(async () => model && (await model.dispose()));

  it('Cancel stops before the next run of the graph, also inside a generation', async () => {
    const real = model.graphs.reshape!;
    const rowsPerRun = model.manifest.reshape!.batch;
    expect(RESHAPE.SEARCH.batch / rowsPerRun).toBeGreaterThan(1); // a generation takes more than one run
    const ctrl = new AbortController();
    let runs = 0;
    const graph = Object.create(real, {
      run: { value: (feeds: Parameters<typeof real.run>[0]) => (runs++, ctrl.abort(), real.run(feeds)) },
    }) as typeof real;
    await expect(searchReshape({ ...searchInputs, graph }, { signal: ctrl.signal })).rejects.toBeInstanceOf(ReshapeCancelled);
    expect(runs).toBe(1);
  });

  it('paints the same target and edits the same regions (kernels/paint.ts)', () => {
    const names = model.manifest.regions.map((r) => r.name);
    expect(Array.from(paintEdit(inp.edit, before, inp.width, inp.height, names))).toEqual(Array.from(target));
    expect(editedRegions(before, target, names)).toEqual(inp.edited);
    expect(out.edited).toEqual(inp.edited);
  });

  it("picks the same proxy rays and puts the box in the same place", () => {
    expect([out.rays, out.stride]).toEqual([py.rays, py.stride]);
    // other paintings on the same labels (and on the labels scaled up, where the band holds more
    // than MAX_RAYS pixels and the grid's step grows) pick the pixels Python's proxy_pixels picks
    const k = model.manifest.regions.length;
    for (const b of py.bands) {
      const w = inp.width * b.scale;
      const h = inp.height * b.scale;
      const labels = new Uint8Array(w * h);
      for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) labels[r * w + c] = before[Math.floor(r / b.scale) * inp.width + Math.floor(c / b.scale)];
      const painted = labels.slice();
      for (const i of b.changed ?? []) painted[i] = (labels[i] + 1) % k;
      if (b.block) for (let r = b.block[0]; r < b.block[1]; r++) for (let c = b.block[2]; c < b.block[3]; c++) painted[r * w + c] = (labels[r * w + c] + 1) % k;
      const got = proxyPixels(labels, painted, w, h, b.edited);
      const want = rleDecode(b.pixels_rle, w * h);
      const expected: number[] = [];
      want.forEach((v, i) => v && expected.push(i));
      const what = `proxy pixels, ${b.changed ? `pixels ${b.changed.join(', ')}` : `block ${b.block!.join(', ')}`} x${b.scale}, regions [${b.edited.join(', ')}]`;
      expect([got.pixels.length, got.stride], what).toEqual([b.rays, b.stride]);
      expect(Array.from(got.pixels), what).toEqual(expected);
      expect(Array.from(got.outside.slice(0, k)), what).toEqual(b.outside);
      // the finer grid over the small other regions: the same rays, the same weight
      const fine = rleDecode(b.fine_rle, w * h);
      expect(Array.from(got.pixels).filter((_, i) => got.weights[i] < RESHAPE.WEIGHT_UNIT), what).toEqual(expected.filter((p) => fine[p]));
      if (expected.some((p) => fine[p])) expect(Math.min(...got.weights), what).toBe(b.fine_weight);
    }
    expect(py.bands.some((b) => b.stride > 1)).toBe(true);
    expect(py.bands.some((b) => b.fine_weight < RESHAPE.WEIGHT_UNIT), 'a band case with finer rays over small regions').toBe(true);
    // float64 on both sides from float32 rays (~6e-8 apart at worst at |o| ~ 1) and float32 bakes
    // (the surface depth moves only if the graphs' float32 rounding moves a first hit): 1e-6 world units
    const box = [...out.box[0], ...out.box[1]];
    const d = maxAbs(box, [...py.box[0], ...py.box[1]]);
    console.info(`reshape parity: box max |diff| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-6);
  });

  it("scores every candidate of generation 0 as Python does (the proxy's label maps are the same)", () => {
    const d = maxAbs(out.losses0, py.losses0);
    console.info(`reshape parity: generation-0 mask losses max |diff| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-9);
  });

  it("adds the manifest's label prior to the proxy's mask logits as Python does", async () => {
    const b = py.biased;
    // the fixture's prior must change what the proxy draws, or this test could not fail
    expect(maxAbs(b.losses[0], py.losses0), 'e2e/fixtures/reshape-tiny.json: its label prior changes no loss').toBeGreaterThan(1e-3);
    const manifest: Manifest = { ...searchInputs.manifest, config: { ...searchInputs.manifest.config, label_bias: b.label_bias } };
    const biased = await searchReshape({ ...searchInputs, manifest });
    expect(biased.evaluations).toBe(b.evaluations);
    const dl = maxAbs(biased.losses.flat(), b.losses.flat());
    console.info(`reshape parity with a label prior: all ${biased.evaluations} mask losses max |diff| ${dl.toExponential(2)}`);
    expect(dl).toBeLessThan(1e-9);
    expect(Math.abs(biased.loss - b.loss)).toBeLessThan(1e-9);
    expect(maxAbs(biased.x, b.x)).toBeLessThan(1e-6);
    // a prior of the wrong length is refused with a reason
    const wrong: Manifest = { ...manifest, config: { label_bias: [0.5] } };
    await expect(searchReshape({ ...searchInputs, manifest: wrong })).rejects.toThrow(/one number per region/);
  }, 120_000);

  it('searches the same way: losses fall at the same generations, same best x and new z', () => {
    expect(out.evaluations).toBe(py.evaluations);
    // every generation's candidates depend on the ranking of the ones before: the same losses
    // all the way through means the same mean, sigma and candidates in every generation
    expect(out.losses).toHaveLength(py.losses.length);
    const dl = maxAbs(out.losses.flat(), py.losses.flat());
    expect(dl).toBeLessThan(1e-9);
    expect(out.history).toHaveLength(py.history.length);
    const dh = maxAbs(out.history, py.history);
    expect(dh).toBeLessThan(1e-9);
    expect(Math.abs(out.loss0 - py.loss0)).toBeLessThan(1e-9);
    expect(Math.abs(out.loss - py.loss)).toBeLessThan(1e-9);
    // the loss went down (or not) in the same steps
    const steps = (h: number[]) => h.map((v, i) => (i === 0 ? v < py.loss0 : v < h[i - 1]));
    expect(steps(out.history)).toEqual(steps(py.history));
    expect(out.loss < out.loss0).toBe(py.loss < py.loss0);
    // the fixture's case must find something (else "the same best x" would be x0 on both sides)
    expect(py.loss, 'e2e/fixtures/reshape-tiny.json: its search finds nothing; pick a case that does (fixture.py SEED)').toBeLessThan(py.loss0);
    const dx = maxAbs(out.x, py.x);
    const dz = maxAbs(out.z, py.z);
    console.info(`reshape parity: all ${out.evaluations} mask losses max |diff| ${dl.toExponential(2)}, history ${dh.toExponential(2)}, x ${dx.toExponential(2)}, z ${dz.toExponential(2)}`);
    // both float32 of the same float64 candidate
    expect(dx).toBeLessThan(1e-6);
    expect(dz).toBeLessThan(1e-6);
  });
});
