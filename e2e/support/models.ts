// The exported models as the specs need them, read from public/models/ on disk.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MODELS_DIR = fileURLToPath(new URL('../../public/models/', import.meta.url));

export interface TensorSpec {
  name: string;
  shape: number[];
  dtype: string;
}

export interface GraphSpec {
  file: string;
  sha256: string;
  bytes: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface Manifest {
  id: string;
  regions: { name: string }[];
  camera: { fov_deg: number; radius: number; near: number; far: number };
  render: { beta: number; resolution: number; tile_rays: number };
  bake: { resolution: number; slab?: number };
  graphs: Record<string, GraphSpec>;
  [field: string]: unknown;
}

export interface ModelIndex {
  default: string;
  models: { id: string; name: string; manifest: string; test_only?: boolean }[];
}

export function readIndex(): ModelIndex {
  const path = join(MODELS_DIR, 'index.json');
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: export the models first (the Python exporter writes public/models/)`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as ModelIndex;
}

function manifestPath(id: string): string {
  const entry = readIndex().models.find((m) => m.id === id);
  if (!entry) throw new Error(`public/models/index.json lists no model "${id}"`);
  return join(MODELS_DIR, entry.manifest);
}

/** The manifest's URL path as the app fetches it, e.g. `/models/tiny/manifest.json`. */
export function manifestUrlPath(id: string): string {
  return `/models/${readIndex().models.find((m) => m.id === id)?.manifest ?? `${id}/manifest.json`}`;
}

export function readManifest(id: string): Manifest {
  return JSON.parse(readFileSync(manifestPath(id), 'utf8')) as Manifest;
}

/** A file that sits beside the model's manifest (a graph, the weights). */
export function readModelFile(id: string, file: string): Buffer {
  return readFileSync(join(dirname(manifestPath(id)), file));
}
