/** The manifest's TypeScript shape (format version 1); the JSON Schema file is the authority. */
import type { TensorSpec } from '../runtime/tensors';

export const GRAPH_NAMES = ['mapping', 'bake', 'bake_base', 'final'] as const;
export type GraphName = (typeof GRAPH_NAMES)[number];
/** Graphs a model may add; loaded when its manifest declares them (docs/model-format.md). */
export const OPTIONAL_GRAPH_NAMES = ['reshape'] as const;
export type OptionalGraphName = (typeof OPTIONAL_GRAPH_NAMES)[number];
export type AnyGraphName = GraphName | OptionalGraphName;

/** The graphs of a model the app loads: the required ones, then the optional ones it declares. */
export function modelGraphNames(manifest: { graphs: object }): AnyGraphName[] {
  return [...GRAPH_NAMES, ...OPTIONAL_GRAPH_NAMES.filter((g) => g in manifest.graphs)];
}

export interface GraphEntry {
  file: string;
  sha256: string;
  bytes: number;
  opset: number;
  macs?: number;
  /** Final graph of a model with config.label_depth > 0: the part of macs spent on the label point. */
  macs_label_point?: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface Region {
  name: string;
  label: string;
  color: string;
}

export interface Slider {
  region: string;
  kind: 'shape' | 'texture';
  name: string;
  label: string;
  slot: number;
  min?: number;
  max?: number;
  /** Not shown in the editor (the model barely follows it); paint to reshape still searches its slot. */
  hidden?: boolean;
}

export interface CameraSpec {
  convention: 'cnerf';
  fov_deg: number;
  radius: number;
  near: number;
  far: number;
  up: number[];
  coord_scale: number;
  yaw_range_deg: number[];
  pitch_range_deg: number[];
}

export interface RenderSpec {
  /** The preview's and the depth march's beta (uniform samples over [near, far]). */
  beta: number;
  /** The final graph's sharper beta (baked into it; informational). Absent: the same as beta. */
  final_beta?: number;
  mask_activation: 'softmax' | 'none';
  samples_per_ray: number;
  resolution: number;
  tile_rays: number;
  /** World units: the final graph samples [depth - m, depth + m] around the preview's surface. */
  surface_margin?: number;
  /**
   * Anti-aliasing: the final render draws each pixel next to another label again with s x s rays
   * (in that pixel's own t_bounds) and keeps their mean image and masks. Absent or 1: off.
   */
  edge_supersample?: number;
  background: 'last-sample-opaque';
}

/** The beta of the final render: its graph's and its depth march's (older manifests: `beta`). */
export function finalBeta(render: RenderSpec): number {
  return render.final_beta ?? render.beta;
}

/**
 * The preview's beta for `samples` uniform samples over [near, far]: as sharp as the final render's,
 * but no sharper than a third of a sample step (sharper, and the surface shows the steps), and
 * never softer than the learned beta. Older manifests (no final_beta): the learned beta.
 * Mirrored by export/facet/model/preview.py preview_beta.
 */
export function previewBeta(render: RenderSpec, camera: CameraSpec, samples: number): number {
  const step = ((camera.far - camera.near) / (samples - 1)) * camera.coord_scale;
  return Math.min(render.beta, Math.max(finalBeta(render), step / 3));
}

/** The `reshape` graph's grid side and candidates per run (docs/model-format.md). */
export interface ReshapeSpec {
  resolution: number;
  batch: number;
  layout: 'zyx';
  z_rows: 'shape';
}

export interface Manifest {
  format: 'facet-model';
  format_version: 1;
  id: string;
  name: string;
  description?: string;
  regions: Region[];
  /**
   * The resolved model config the graphs were exported from (export/facet/config.py). The app reads
   * `label_bias` alone: the final render's label prior, one number per region added to the mask logits
   * before the argmax (docs/model-format.md, "The label prior"); the reshape proxy adds it too.
   */
  config?: { label_bias?: number[] } & Record<string, unknown>;
  latent: {
    num_codes: number;
    z_dim: number;
    code_dim: number;
    codes: { region: string; kind: 'shape' | 'texture' }[];
    truncation_psi: number;
    sliders: Slider[];
  };
  camera: CameraSpec;
  render: RenderSpec;
  /** `slab`: z-planes per run of `bake` and `bake_base` (they take a `slab` input); absent: one run of the whole grid. */
  bake: { resolution: number; bounds: number; layout: 'zyx'; slab?: number };
  /** Present with the optional `reshape` graph (mask painting). */
  reshape?: ReshapeSpec;
  graphs: Record<GraphName, GraphEntry> & Record<string, GraphEntry>;
  default_seed?: number;
}

/** One entry of public/models/index.json. */
export interface IndexEntry {
  id: string;
  name: string;
  manifest: string; // relative to index.json
  test_only?: boolean;
}

export interface ModelIndex {
  default: string;
  models: IndexEntry[];
}
