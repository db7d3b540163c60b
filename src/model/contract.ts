/**
 * Checks beyond the schema: the numbers in a manifest must agree with each other and with the
 * graph signatures the app relies on (docs/model-format.md, "Graphs").
 */
import type { TensorSpec } from '../runtime/tensors';
import { ModelError } from './errors';
import type { GraphName, Manifest } from './manifest';

type Expected = Record<GraphName, { inputs: TensorSpec[]; outputs: TensorSpec[] }>;

const f32 = (name: string, shape: number[]): TensorSpec => ({ name, shape, dtype: 'float32' });

export function expectedSignatures(m: Manifest): Expected {
  const k = m.regions.length;
  const c = m.latent.code_dim;
  const r = m.bake.resolution;
  const depth = m.bake.slab ?? r; // z-planes a run gives
  const slab: TensorSpec[] = m.bake.slab === undefined ? [] : [{ name: 'slab', shape: [1], dtype: 'int64' }];
  const n = m.render.tile_rays;
  const codes = f32('codes', [m.latent.num_codes, c]);
  return {
    mapping: { inputs: [f32('z', [m.latent.num_codes, m.latent.z_dim]), f32('psi', [1])], outputs: [codes] },
    bake: {
      inputs: [{ name: 'region', shape: [1], dtype: 'int64' }, f32('shape_code', [1, c]), f32('texture_code', [1, c]), ...slab],
      outputs: [f32('sdf', [depth, r, r]), f32('mask_logit', [depth, r, r]), f32('rgb', [depth, r, r, 3])],
    },
    bake_base: { inputs: [f32('shape_code', [1, c]), ...slab], outputs: [f32('sdf', [depth, r, r])] },
    final: {
      inputs: [codes, f32('ray_origins', [n, 3]), f32('ray_dirs', [n, 3]), f32('t_bounds', [n, 2])],
      outputs: [f32('image', [n, 3]), f32('masks', [n, k]), f32('depth', [n])],
    },
  };
}

const show = (s: number[]): string => `[${s.join(', ')}]`;

function checkTensors(graph: GraphName, kind: 'inputs' | 'outputs', declared: TensorSpec[], expected: TensorSpec[]): void {
  for (const want of expected) {
    const field = `/graphs/${graph}/${kind}`;
    const got = declared.find((t) => t.name === want.name);
    if (!got) {
      throw new ModelError('manifest.json', `${field}: must declare "${want.name}" (found ${declared.map((t) => `"${t.name}"`).join(', ') || 'none'})`);
    }
    if (got.dtype !== want.dtype) {
      throw new ModelError('manifest.json', `${field}/${want.name}: dtype must be ${want.dtype} (found ${got.dtype})`);
    }
    if (show(got.shape) !== show(want.shape)) {
      throw new ModelError('manifest.json', `${field}/${want.name}: shape must be ${show(want.shape)} from the manifest's sizes (found ${show(got.shape)})`);
    }
  }
}

function checkCodes(m: Manifest): void {
  const k = m.regions.length;
  if (m.latent.num_codes !== 2 * k) {
    throw new ModelError('manifest.json', `/latent/num_codes: must be 2 x ${k} regions = ${2 * k} (found ${m.latent.num_codes})`);
  }
  m.latent.codes.forEach((code, i) => {
    const region = m.regions[Math.floor(i / 2)]?.name;
    const kind = i % 2 === 0 ? 'shape' : 'texture';
    if (code.region !== region || code.kind !== kind) {
      throw new ModelError('manifest.json', `/latent/codes/${i}: must be {"region": "${region}", "kind": "${kind}"} (found ${JSON.stringify(code)})`);
    }
  });
}

/** Throws a ModelError for the first inconsistency. */
export function checkContract(m: Manifest): void {
  checkCodes(m);
  const [y0, y1] = m.camera.yaw_range_deg;
  const [p0, p1] = m.camera.pitch_range_deg;
  if (y0 > y1 || p0 > p1) throw new ModelError('manifest.json', `/camera: yaw/pitch ranges must be [min, max] (found [${y0}, ${y1}], [${p0}, ${p1}])`);
  if (m.camera.near >= m.camera.far) throw new ModelError('manifest.json', `/camera/far: must exceed near ${m.camera.near} (found ${m.camera.far})`);
  // The optional mask-painting graph and its section come together (docs/model-format.md).
  const hasSection = (m as { reshape?: unknown }).reshape !== undefined;
  const hasGraph = (m.graphs as Record<string, unknown>).reshape !== undefined;
  if (hasSection !== hasGraph) {
    throw new ModelError('manifest.json', `/reshape: the reshape section and the reshape graph come together (section ${hasSection ? 'present' : 'missing'}, graph ${hasGraph ? 'present' : 'missing'})`);
  }
  const bias = m.config?.label_bias;
  if (bias !== undefined && bias.length > 0 && (bias.length !== m.regions.length || !bias.every((b) => Number.isFinite(b)))) {
    throw new ModelError('manifest.json', `/config/label_bias: the label prior needs one finite number per region (${m.regions.length}; found ${JSON.stringify(bias)})`);
  }
  if (m.bake.slab !== undefined && m.bake.resolution % m.bake.slab !== 0) {
    throw new ModelError('manifest.json', `/bake/slab: must divide the resolution ${m.bake.resolution} (found ${m.bake.slab})`);
  }
  for (const graph of ['bake', 'bake_base'] as const) {
    // A slab input the manifest does not declare (or the reverse) is an old or mismatched export.
    const names = m.graphs[graph].inputs.map((t) => t.name);
    if (names.includes('slab') !== (m.bake.slab !== undefined)) {
      throw new ModelError('manifest.json', `/graphs/${graph}/inputs: ${m.bake.slab === undefined ? 'a slab input needs /bake/slab' : `/bake/slab ${m.bake.slab} needs a slab input`} (found ${names.map((x) => `"${x}"`).join(', ')})`);
    }
  }
  const expected = expectedSignatures(m);
  for (const graph of Object.keys(expected) as GraphName[]) {
    checkTensors(graph, 'inputs', m.graphs[graph].inputs, expected[graph].inputs);
    checkTensors(graph, 'outputs', m.graphs[graph].outputs, expected[graph].outputs);
  }
}
