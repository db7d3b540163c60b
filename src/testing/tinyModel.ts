// Node-only test helper: the bundled tiny model loaded from disk on real ONNX Runtime (wasm),
// for the unit tests that run the render path and the portrait pipeline.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadModel, type LoadedModel } from '../model/loader';
import { configureRuntime, GraphSession } from '../runtime/graphSession';
import { SerialQueue } from '../runtime/serialQueue';

export const MODELS_DIR = fileURLToPath(new URL('../../public/models/', import.meta.url));
export const tinyPresent = existsSync(MODELS_DIR + 'tiny/manifest.json');

const fetchFromDisk = async (url: string) => new Response(readFileSync(MODELS_DIR + new URL(url).pathname.replace(/^\/models\//, '')));

/** Loads public/models/tiny with one wasm thread. */
export async function loadTinyModel(): Promise<LoadedModel> {
  configureRuntime(1);
  const queue = new SerialQueue();
  const entry = { id: 'tiny', name: 'Tiny', manifest: 'tiny/manifest.json' };
  return loadModel(entry, {
    indexUrl: 'http://local/models/index.json',
    fetchFn: fetchFromDisk,
    createGraph: (name, bytes, spec) => GraphSession.create(name, bytes, spec, 'wasm', queue),
  });
}
