// The whole render path in Node on the tiny model with real ONNX Runtime (wasm): load and
// verify the model, map a seed, bake + fuse the preview volume, render the final image around
// its surface. Skipped while public/models/tiny does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('stops between tiles when the render becomes stale', async () => {
    const codes = await mapCodes(model, 1);
    expect(await renderFinal(model, codes, { yaw: 0, pitch: 0 }, () => true)).toBeNull();
  }, 60_000);
});
