/**
 * Loads one model: manifest.json (schema + contract), every graph file (size + sha256), one
 * session per graph created one at a time, signature check, warm-up. Every failure is a
 * ModelError naming the file and what was expected and found.
 */
import type { GraphSpec, SignatureProblem, Feeds, Outputs } from '../runtime/tensors';
import { checkContract } from './contract';
import { ModelError } from './errors';
import { fetchBytes, fetchJson, verifyFile, type FetchFn } from './files';
import { GRAPH_NAMES, type GraphName, type IndexEntry, type Manifest } from './manifest';
import { validateManifest } from './validate';

/** What the loader needs from a runtime session (GraphSession implements it). */
export interface Graph {
  checkSignature(): SignatureProblem[];
  warmUp(): Promise<number>;
  run(feeds: Feeds): Promise<Outputs>;
  dispose(): Promise<void>;
}

export type CreateGraph = (name: GraphName, bytes: Uint8Array, spec: GraphSpec) => Promise<Graph>;

export interface LoadProgress {
  stage: 'manifest' | 'download' | 'session' | 'warmup';
  label: string;
  fraction: number; // 0..1 of the whole load
}

export interface LoadedModel {
  entry: IndexEntry;
  manifest: Manifest;
  graphs: Record<GraphName, Graph>;
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

async function downloadGraphs(manifest: Manifest, baseUrl: string, opts: LoadOptions): Promise<Map<GraphName, Uint8Array>> {
  const total = GRAPH_NAMES.reduce((s, g) => s + manifest.graphs[g].bytes, 0);
  let done = 0;
  const out = new Map<GraphName, Uint8Array>();
  for (const name of GRAPH_NAMES) {
    const entry = manifest.graphs[name];
    const onBytes = (n: number) =>
      opts.onProgress?.({ stage: 'download', label: `Downloading ${entry.file}`, fraction: 0.05 + (0.45 * (done + n)) / total });
    const bytes = await fetchBytes(new URL(entry.file, baseUrl).href, entry.file, onBytes, opts.fetchFn);
    await verifyFile(entry.file, bytes, entry);
    done += entry.bytes;
    out.set(name, bytes);
  }
  return out;
}

async function createGraphs(manifest: Manifest, files: Map<GraphName, Uint8Array>, opts: LoadOptions, created: Graph[]): Promise<Record<GraphName, Graph>> {
  const graphs = {} as Record<GraphName, Graph>;
  for (const [i, name] of GRAPH_NAMES.entries()) {
    const entry = manifest.graphs[name];
    opts.onProgress?.({ stage: 'session', label: `Preparing ${entry.file}`, fraction: 0.5 + (0.2 * i) / GRAPH_NAMES.length });
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

async function warmUp(manifest: Manifest, graphs: Record<GraphName, Graph>, opts: LoadOptions): Promise<void> {
  for (const [i, name] of GRAPH_NAMES.entries()) {
    const file = manifest.graphs[name].file;
    opts.onProgress?.({ stage: 'warmup', label: `Warming up ${file}`, fraction: 0.7 + (0.3 * i) / GRAPH_NAMES.length });
    try {
      await graphs[name].warmUp();
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
