// The whole render path in Node on the tiny model with real ONNX Runtime (wasm): load and
// verify the model, map a seed, bake + fuse the preview volume, render the final image around
// its surface. Skipped while public/models/tiny does not exist.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgePixels } from '../kernels/surface';
import type { LoadedModel } from '../model/loader';
import { loadTinyModel, MODELS_DIR as MODELS, tinyPresent as present } from '../testing/tinyModel';
import { bakeVolume } from './bakePreview';
import { mapCodes, renderFinal } from './finalRender';

if (!present) console.warn(`[pipeline.test] ${MODELS}tiny is missing: skipping the render-path tests (export the tiny model).`);


describe.skipIf(!present)('render path on the tiny model (wasm)', () => {
  let model: LoadedModel;

  beforeAll(async () => {
    model = await loadTinyModel();
  }, 120_000);

  afterAll(async () => model && (await model.dispose()));

  it('renders a portrait: codes, fused volume, final image in range', async () => {
    const { latent, bake, render } = model.manifest;
    const codes = await mapCodes(model, 7);
    expect(codes.length).toBe(latent.num_codes * latent.code_dim);
    expect(Array.from(await mapCodes(model, 7))).toEqual(Array.from(codes)); // deterministic

    const baked = await bakeVolume(model, codes, () => false);
    expect(baked!.volume.length).toBe(bake.resolution ** 3 * 4);
    expect(baked!.volume.every(Number.isFinite)).toBe(true);

    const image = await renderFinal(model, codes, { yaw: 0.3, pitch: -0.1 }, () => false, baked);
    expect(image!.width).toBe(render.resolution);
    expect(image!.rgba.length).toBe(render.resolution ** 2 * 4);
    const values = new Set(image!.rgba);
    expect(values.size).toBeGreaterThan(8); // not a flat fill
  }, 120_000);

  it('anti-aliases the edge pixels as Python does (e2e/fixtures/final-aa-tiny.json)', async () => {
    // written by `cd export && .venv/bin/facet fixtures` from facet.evaluate.render.render_image
    const path = fileURLToPath(new URL('../../e2e/fixtures/final-aa-tiny.json', import.meta.url));
    expect(existsSync(path), `${path} is missing: run facet fixtures`).toBe(true);
    const fx = JSON.parse(readFileSync(path, 'utf8'));
    const { render } = model.manifest;
    expect(render.edge_supersample).toBe(fx.edge_supersample);
    expect(render.resolution).toBe(fx.resolution);
    const codes = Float32Array.from(fx.codes as number[]);
    const pose = { yaw: fx.yaw, pitch: fx.pitch };
    const image = (await renderFinal(model, codes, pose, () => false))!; // no volume: [near, far] bounds
    const n = render.resolution ** 2;
    let maxDiff = 0;
    let sameLabels = 0;
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < 4; c++) maxDiff = Math.max(maxDiff, Math.abs(image.rgba[p * 4 + c] - fx.rgba[p * 4 + c]));
      if (image.labels[p] === fx.labels[p]) sameLabels++;
    }
    expect(maxDiff).toBeLessThanOrEqual(2);
    expect(sameLabels / n).toBeGreaterThanOrEqual(0.99);

    // one ray per pixel gives other colours exactly at the edge pixels, and only there
    const single = (await renderFinal({ ...model, manifest: { ...model.manifest, render: { ...render, edge_supersample: 1 } } }, codes, pose, () => false))!;
    const edges = new Set(edgePixels(single.labels, render.resolution, render.resolution));
    expect(edges.size).toBe(fx.edges);
    let changedEdges = 0;
    for (let p = 0; p < n; p++) {
      const differs = [0, 1, 2].some((c) => single.rgba[p * 4 + c] !== image.rgba[p * 4 + c]);
      if (!edges.has(p)) expect(differs).toBe(false);
      else if (differs) changedEdges++;
    }
    expect(changedEdges, `${changedEdges} of ${edges.size} edge pixels changed`).toBeGreaterThan(edges.size / 4);
  }, 120_000);

  it('stops between tiles when the render becomes stale', async () => {
    const codes = await mapCodes(model, 1);
    expect(await renderFinal(model, codes, { yaw: 0, pitch: 0 }, () => true)).toBeNull();
  }, 60_000);
});
