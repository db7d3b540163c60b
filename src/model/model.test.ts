import { describe, expect, it } from 'vitest';
import { checkContract } from './contract';
import { ModelError } from './errors';
import { sha256Hex } from './files';
import { loadModel, type Graph } from './loader';
import { finalBeta, previewBeta } from './manifest';
import { parseIndex, pickModel, visibleModels } from './modelIndex';
import { testManifest } from './testManifest';
import { validateManifest } from './validate';

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return (e as Error).message;
  }
  throw new Error('did not throw');
};

describe('manifest validation', () => {
  it('accepts a valid manifest', () => {
    const m = testManifest();
    expect(validateManifest(m).id).toBe('test');
    expect(() => checkContract(m)).not.toThrow();
  });

  it('names the field, the expectation and the value', () => {
    const m = testManifest() as unknown as { render: Record<string, unknown>; extra?: number };
    m.render.beta = 'abc';
    expect(message(() => validateManifest(m))).toBe('manifest.json: /render/beta: must be number (found "abc")');
    const n = testManifest() as unknown as Record<string, unknown>;
    delete n.camera;
    expect(message(() => validateManifest(n))).toBe("manifest.json: /: must have required property 'camera'");
    const o = testManifest() as unknown as Record<string, unknown>;
    o.colour = 1;
    expect(message(() => validateManifest(o))).toMatch(/unknown property "colour"/);
  });

  it('checks graph shapes against the manifest sizes', () => {
    const m = testManifest();
    m.graphs.final.inputs[1].shape = [8, 3];
    expect(message(() => checkContract(m))).toBe(
      'manifest.json: /graphs/final/inputs/ray_origins: shape must be [16, 3] from the manifest\'s sizes (found [8, 3])',
    );
    const n = testManifest();
    n.latent.num_codes = 6;
    expect(message(() => checkContract(n))).toMatch(/num_codes: must be 2 x 2 regions = 4 \(found 6\)/);
  });

  it('checks the label prior: one finite number per region, or none', () => {
    const m = testManifest();
    expect(() => checkContract(m)).not.toThrow(); // no config: no prior
    m.config = { label_bias: [] };
    expect(() => checkContract(validateManifest(m))).not.toThrow();
    m.config = { label_bias: [0, 0.5] };
    expect(() => checkContract(validateManifest(m))).not.toThrow();
    m.config = { label_bias: [0, 0.5, 1] };
    expect(message(() => checkContract(validateManifest(m)))).toBe(
      'manifest.json: /config/label_bias: the label prior needs one finite number per region (2; found [0,0.5,1])',
    );
    (m.config as Record<string, unknown>).label_bias = [0, 'a'];
    expect(message(() => validateManifest(m))).toBe('manifest.json: /config/label_bias/1: must be number (found "a")');
  });

  it('checks the bake slabs: a slab input with /bake/slab, outputs of slab planes, a slab that divides the grid', () => {
    const slabbed = () => {
      const m = testManifest();
      m.bake.slab = 2;
      for (const g of [m.graphs.bake, m.graphs.bake_base]) {
        g.inputs.push({ name: 'slab', shape: [1], dtype: 'int64' });
        for (const o of g.outputs) o.shape[0] = 2;
      }
      return m;
    };
    expect(() => checkContract(validateManifest(slabbed()))).not.toThrow();
    const old = testManifest(); // no slab: one run of the whole grid, no slab input (models exported before session 32)
    expect(() => checkContract(old)).not.toThrow();
    const a = slabbed();
    a.bake.slab = 3;
    expect(message(() => checkContract(a))).toBe('manifest.json: /bake/slab: must divide the resolution 4 (found 3)');
    const b = slabbed();
    delete b.bake.slab;
    expect(message(() => checkContract(b))).toBe('manifest.json: /graphs/bake/inputs: a slab input needs /bake/slab (found "region", "shape_code", "texture_code", "slab")');
    const c = testManifest();
    c.bake.slab = 2;
    expect(message(() => checkContract(c))).toBe('manifest.json: /graphs/bake/inputs: /bake/slab 2 needs a slab input (found "region", "shape_code", "texture_code")');
    const d = slabbed();
    d.graphs.bake_base.outputs[0].shape = [4, 4, 4];
    expect(message(() => checkContract(d))).toBe("manifest.json: /graphs/bake_base/outputs/sdf: shape must be [2, 4, 4] from the manifest's sizes (found [4, 4, 4])");
    const e = slabbed() as unknown as { bake: { slab: unknown } };
    e.bake.slab = 0;
    expect(message(() => validateManifest(e))).toBe('manifest.json: /bake/slab: must be >= 1 (found 0)');
  });

  it('refuses a reshape section without its graph', () => {
    const m = testManifest() as ReturnType<typeof testManifest> & { reshape?: object };
    m.reshape = { resolution: 8, batch: 4, layout: 'zyx', z_rows: 'shape' };
    expect(message(() => checkContract(m))).toBe(
      'manifest.json: /reshape: the reshape section and the reshape graph come together (section present, graph missing)',
    );
  });
});

describe('index.json', () => {
  const index = parseIndex({
    default: 'a',
    models: [{ id: 'a', name: 'A', manifest: 'a/manifest.json' }, { id: 'tiny', name: 'T', manifest: 't/manifest.json', test_only: true }],
  });

  it('picks ?model= or the default, and hides test-only models', () => {
    expect(pickModel(index, null).id).toBe('a');
    expect(pickModel(index, 'tiny').id).toBe('tiny');
    expect(() => pickModel(index, 'nope')).toThrow(/no model "nope"/);
    expect(visibleModels(index, false).map((m) => m.id)).toEqual(['a']);
    expect(visibleModels(index, true)).toHaveLength(2);
  });

  it('rejects a broken index', () => {
    expect(() => parseIndex({ default: 'x', models: [{ id: 'a', name: 'A', manifest: 'm' }] })).toThrow(/\/default/);
  });
});

describe('loadModel', () => {
  const graphFile = new Uint8Array([1, 2, 3, 4]);

  async function setup(opts: { corrupt?: boolean; badSignature?: boolean } = {}) {
    const sha256 = await sha256Hex(graphFile);
    const files = Object.fromEntries(['mapping', 'bake', 'bake_base', 'final'].map((g) => [g, { bytes: 4, sha256 }]));
    const manifest = testManifest(files);
    const fetchFn = async (url: string) => {
      if (url.endsWith('manifest.json')) return new Response(JSON.stringify(manifest));
      const body = opts.corrupt && url.endsWith('final.onnx') ? new Uint8Array([9, 9, 9, 9]) : graphFile;
      return new Response(body);
    };
    const disposed: string[] = [];
    const createGraph = async (name: string): Promise<Graph> => ({
      checkSignature: () => (opts.badSignature && name === 'mapping' ? [{ field: 'inputs', expected: '["z", "psi"]', found: '["x"]' }] : []),
      warmUp: async () => 1,
      run: async () => ({}),
      dispose: async () => void disposed.push(name),
    });
    const entry = { id: 'test', name: 'Test', manifest: 'test/manifest.json' };
    const load = () => loadModel(entry, { indexUrl: 'http://x/models/index.json', createGraph, fetchFn });
    return { load, disposed };
  }

  it('loads, reports progress and disposes every graph', async () => {
    const { load, disposed } = await setup();
    const model = await load();
    expect(Object.keys(model.graphs)).toEqual(['mapping', 'bake', 'bake_base', 'final']);
    await model.dispose();
    expect(disposed).toHaveLength(4);
  });

  it('refuses a file whose hash differs', async () => {
    const { load } = await setup({ corrupt: true });
    await expect(load()).rejects.toThrow(/^final\.onnx: sha256 mismatch: manifest says 9f64a747e1b9…, file is/);
  });

  it('refuses a graph whose inputs differ from the manifest, and disposes what it made', async () => {
    const { load, disposed } = await setup({ badSignature: true });
    await expect(load()).rejects.toThrow('mapping.onnx: inputs: manifest says ["z", "psi"], the graph has ["x"]');
    expect(disposed).toEqual(['mapping']);
  });
});

describe('render betas', () => {
  it('the final render uses final_beta, or beta where a manifest has none', () => {
    const m = testManifest();
    expect(finalBeta({ ...m.render, final_beta: undefined })).toBe(m.render.beta);
    expect(finalBeta({ ...m.render, final_beta: 0.002 })).toBe(0.002);
    expect(validateManifest({ ...m, render: { ...m.render, final_beta: 0.002 } }).render.final_beta).toBe(0.002);
    expect(message(() => validateManifest({ ...m, render: { ...m.render, final_beta: 0 } }))).toContain(
      '/render/final_beta',
    );
  });

  it('the preview is as sharp as the final render, but not sharper than a third of its sample step', () => {
    const m = testManifest();
    const camera = { ...m.camera, near: 0.88, far: 1.12, coord_scale: 2 / 0.24 };
    const step = (n: number) => (0.24 / (n - 1)) * camera.coord_scale;
    const render = { ...m.render, beta: 0.0287, final_beta: 0.0018 };
    expect(previewBeta(render, camera, 96)).toBeCloseTo(step(96) / 3, 12);
    expect(previewBeta(render, camera, 48)).toBeCloseTo(step(48) / 3, 12);
    expect(previewBeta(render, camera, 2000)).toBe(0.0018); // fine steps: the final beta itself
    expect(previewBeta({ ...render, final_beta: undefined }, camera, 96)).toBe(0.0287); // older manifests
    expect(previewBeta({ ...render, beta: 0.005 }, camera, 48)).toBe(0.005); // never softer than learned
  });
});
