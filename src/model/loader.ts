/**
 * Loads one model: manifest.json (schema + contract), every graph file (size + sha256), one
 * session per graph created one at a time, signature check, warm-up. Every failure is a
 * ModelError naming the file and what was expected and found.
 */
import type { GraphSpec, SignatureProblem, Feeds, Outputs } from '../runtime/tensors';
import { checkContract } from './contract';
import { ModelError } from './errors';
import { fetchBytes, fetchJson, verifyFile, type FetchFn } from './files';
import { modelGraphNames, type AnyGraphName, type GraphEntry, type GraphName, type IndexEntry, type Manifest } from './manifest';
import { validateManifest } from './validate';

/** What the loader needs from a runtime session (GraphSession implements it). */
export interface Graph {
  checkSignature(): SignatureProblem[];
  warmUp(): Promise<number>;
  run(feeds: Feeds): Promise<Outputs>;
  dispose(): Promise<void>;
}

export type CreateGraph = (name: AnyGraphName, bytes: Uint8Array, spec: GraphSpec) => Promise<Graph>;

export type ModelGraphs = Record<GraphName, Graph> & Partial<Record<AnyGraphName, Graph>>;

const entryOf = (manifest: Manifest, name: AnyGraphName): GraphEntry => (manifest.graphs as unknown as Record<string, GraphEntry>)[name];

export interface LoadProgress {
  stage: 'manifest' | 'download' | 'session' | 'warmup';
  label: string;
  fraction: number; // 0..1 of the whole load
}

export interface LoadedModel {
  entry: IndexEntry;
  manifest: Manifest;
  graphs: ModelGraphs;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  indexUrl: string; // URL of index.json; manifest paths are relative to it
  createGraph: CreateGraph;
  onProgress?: (p: LoadProgress) => void;
  fetchFn?: FetchFn;
}

export async function loadManifest(url: string, fetchFn?: FetchFn): Promise<Manifest> {
  const manifest = validateManifest(await fetchJson(url, 'manifest.json', fetchFn));
  checkContract(manifest);
  return manifest;
}

async function downloadGraphs(manifest: Manifest, baseUrl: string, opts: LoadOptions): Promise<Map<AnyGraphName, Uint8Array>> {
  const names = modelGraphNames(manifest);
  const total = names.reduce((s, g) => s + entryOf(manifest, g).bytes, 0);
  let done = 0;
  const out = new Map<AnyGraphName, Uint8Array>();
  for (const name of names) {
    const entry = entryOf(manifest, name);
    const onBytes = (n: number) =>
      opts.onProgress?.({ stage: 'download', label: `Downloading ${entry.file}`, fraction: 0.05 + (0.45 * (done + n)) / total });
    const bytes = await fetchBytes(new URL(entry.file, baseUrl).href, entry.file, onBytes, opts.fetchFn);
    await verifyFile(entry.file, bytes, entry);
    done += entry.bytes;
    out.set(name, bytes);
  }
  return out;
}

async function createGraphs(manifest: Manifest, files: Map<AnyGraphName, Uint8Array>, opts: LoadOptions, created: Graph[]): Promise<ModelGraphs> {
  const graphs = {} as ModelGraphs;
  const names = modelGraphNames(manifest);
  for (const [i, name] of names.entries()) {
    const entry = entryOf(manifest, name);
    opts.onProgress?.({ stage: 'session', label: `Preparing ${entry.file}`, fraction: 0.5 + (0.2 * i) / names.length });
    let graph: Graph;
    try {
      graph = await opts.createGraph(name, files.get(name)!, entry);
    } catch (e) {
      throw new ModelError(entry.file, `onnxruntime could not open it (${e instanceof Error ? e.message : String(e)})`);
    }
    created.push(graph);
    const problem = graph.checkSignature()[0];
    if (problem) {
      throw new ModelError(entry.file, `${problem.field}: manifest says ${problem.expected}, the graph has ${problem.found}`);
    }
    graphs[name] = graph;
  }
  return graphs;
}

async function warmUp(manifest: Manifest, graphs: ModelGraphs, opts: LoadOptions): Promise<void> {
  const names = modelGraphNames(manifest);
  for (const [i, name] of names.entries()) {
    const file = entryOf(manifest, name).file;
    opts.onProgress?.({ stage: 'warmup', label: `Warming up ${file}`, fraction: 0.7 + (0.3 * i) / names.length });
    try {
      await graphs[name]!.warmUp();
    } catch (e) {
      throw new ModelError(file, `failed its first run (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}

export async function loadModel(entry: IndexEntry, opts: LoadOptions): Promise<LoadedModel> {
  const manifestUrl = new URL(entry.manifest, opts.indexUrl).href;
  opts.onProgress?.({ stage: 'manifest', label: 'Reading manifest.json', fraction: 0 });
  const manifest = await loadManifest(manifestUrl, opts.fetchFn);
  const files = await downloadGraphs(manifest, manifestUrl, opts);
  const created: Graph[] = [];
  const dispose = async () => {
    for (const g of created) await g.dispose();
  };
  try {
    const graphs = await createGraphs(manifest, files, opts, created);
    await warmUp(manifest, graphs, opts);
    opts.onProgress?.({ stage: 'warmup', label: 'Ready', fraction: 1 });
    return { entry, manifest, graphs, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
