/**
 * One ONNX graph on the chosen backend: a serial queue around InferenceSession (never two
 * run() calls at once), a signature check against the manifest, warm-up and dispose().
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { Backend } from './backend';
import { SerialQueue } from './serialQueue';
import { compareSignature, type ReportedValue } from './signature';
import { zeros, type Feeds, type GraphSpec, type Outputs, type SignatureProblem } from './tensors';

let configuredThreads: number | null = null;
let verbose = false;

/**
 * Set ORT's global options once, before the first session. `proxy` runs the wasm backend in
 * ORT's worker so the page stays responsive while a graph runs. `verboseLog` (the `?ortlog=verbose`
 * URL parameter) makes ORT report node placement, which the end-to-end placement test reads.
 */
export function configureRuntime(wasmThreads: number, verboseLog = false, proxy = false): void {
  if (configuredThreads !== null) return;
  ort.env.wasm.numThreads = wasmThreads;
  // wasm inference in ORT's proxy worker, off the main thread (the wasm backend only).
  ort.env.wasm.proxy = proxy;
  // ORT prints warnings through console.error: keep errors only unless asked for everything.
  ort.env.logLevel = verboseLog ? 'verbose' : 'error';
  verbose = verboseLog;
  configuredThreads = wasmThreads;
}

function reported(names: readonly string[], metadata: readonly ort.InferenceSession.ValueMetadata[] | undefined): ReportedValue[] {
  return names.map((name) => {
    const m = metadata?.find((v) => v.name === name);
    return m && m.isTensor ? { name, type: m.type, shape: m.shape } : { name };
  });
}

export class GraphSession {
  private disposed = false;

  private constructor(
    readonly name: string,
    readonly spec: GraphSpec,
    private readonly session: ort.InferenceSession,
    private readonly queue: SerialQueue,
  ) {}

  /**
   * `queue` may be shared by all of a model's sessions: then runs of different graphs (bake
   * and final) never overlap either, which is what the shared wasm module handles best.
   */
  static async create(name: string, bytes: Uint8Array, spec: GraphSpec, backend: Backend, queue = new SerialQueue()): Promise<GraphSession> {
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
      logSeverityLevel: verbose ? 0 : 3,
      logVerbosityLevel: verbose ? 1 : 0,
    });
    return new GraphSession(name, spec, session, queue);
  }

  /** Differences between the manifest's declaration and what the session reports. */
  checkSignature(): SignatureProblem[] {
    return compareSignature(this.spec, {
      inputs: reported(this.session.inputNames, this.session.inputMetadata),
      outputs: reported(this.session.outputNames, this.session.outputMetadata),
    });
  }

  run(feeds: Feeds): Promise<Outputs> {
    return this.queue.push(async () => {
      if (this.disposed) throw new Error(`${this.name}: the session was disposed`);
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [key, t] of Object.entries(feeds)) {
        // The proxy worker takes (detaches) the input buffers: hand it copies, the caller keeps its own.
        const data = ort.env.wasm.proxy ? t.data.slice() : t.data;
        ortFeeds[key] = new ort.Tensor(t.type, data, t.dims);
      }
      const results = await this.session.run(ortFeeds);
      const out: Outputs = {};
      for (const [key, t] of Object.entries(results)) {
        out[key] = { dims: [...t.dims], data: (await t.getData(true)) as Outputs[string]['data'] };
      }
      return out;
    });
  }

  /** First run compiles shaders (seconds on a software adapter): do it at load time. */
  async warmUp(): Promise<number> {
    const start = performance.now();
    const feeds: Feeds = {};
    for (const spec of this.spec.inputs) feeds[spec.name] = zeros(spec);
    await this.run(feeds);
    return performance.now() - start;
  }

  dispose(): Promise<void> {
    return this.queue.push(async () => {
      if (this.disposed) return;
      this.disposed = true;
      await this.session.release();
    });
  }
}
