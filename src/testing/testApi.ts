/**
 * `window.facet`: the typed handle the end-to-end tests drive the app through. Always
 * installed (it is small).
 */
import type { FacetController } from '../app/controller';
import type { Feeds } from '../runtime/tensors';

export type Backend = 'webgpu' | 'wasm';

export interface FacetInfo {
  modelId: string;
  backend: Backend;
  adapter: string;
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  framesRendered: number;
  pose: { yaw: number; pitch: number };
  seed: number;
}

export interface Pixels {
  width: number;
  height: number;
  rgba: number[];
}

export interface Feed {
  type: 'float32' | 'int64';
  dims: number[];
  data: number[];
}

export interface GraphOutput {
  dims: number[];
  data: number[];
}

type FeedSpec = Record<string, Feed>;

/** The contract the end-to-end tests (e2e/support/facetApi.ts) drive. */
export interface FacetTestApi {
  whenReady(): Promise<void>;
  info(): FacetInfo;
  setPose(yaw: number, pitch: number): Promise<void>;
  setSeed(seed: number): Promise<void>;
  imagePixels(): Promise<Pixels>;
  runGraph(graph: string, feeds: FeedSpec): Promise<Record<string, GraphOutput>>;
}

declare global {
  interface Window {
    facet: FacetTestApi;
  }
}

function toFeeds(spec: FeedSpec): Feeds {
  const feeds: Feeds = {};
  for (const [name, t] of Object.entries(spec)) {
    feeds[name] =
      t.type === 'int64'
        ? { type: 'int64', dims: t.dims, data: BigInt64Array.from(t.data, (v) => BigInt(Math.trunc(v))) }
        : { type: 'float32', dims: t.dims, data: Float32Array.from(t.data) };
  }
  return feeds;
}

export function createTestApi(controller: FacetController): FacetTestApi {
  const { store } = controller;

  const whenReady = () =>
    new Promise<void>((resolve, reject) => {
      let unsubscribe: (() => void) | null = null;
      let done = false;
      const check = () => {
        const s = store.getState();
        if (s.phase === 'error') reject(new Error(s.error ?? 'Loading failed'));
        else if (s.phase === 'ready' && s.framesRendered > 0) resolve();
        else return;
        done = true;
        unsubscribe?.();
      };
      check();
      if (!done) unsubscribe = store.subscribe(check);
    });

  return {
    whenReady,
    info() {
      const s = store.getState();
      return {
        modelId: s.modelId ?? '',
        backend: s.backend ?? 'wasm',
        adapter: s.adapter,
        status: s.phase,
        error: s.error,
        framesRendered: s.framesRendered,
        pose: { ...s.pose },
        seed: s.seed,
      };
    },
    async setPose(yaw, pitch) {
      await whenReady();
      store.getState().setPose({ yaw, pitch });
      await controller.settled();
    },
    async setSeed(seed) {
      await whenReady();
      store.getState().setSeed(seed);
      await controller.settled();
    },
    async imagePixels() {
      const image = controller.image.value;
      if (!image) throw new Error('No final image has been rendered yet');
      return { width: image.width, height: image.height, rgba: Array.from(image.rgba) };
    },
    async runGraph(graph, feeds) {
      const out = await controller.runGraph(graph, toFeeds(feeds));
      const result: Record<string, { dims: number[]; data: number[] }> = {};
      for (const [name, t] of Object.entries(out)) {
        result[name] = { dims: t.dims, data: Array.from(t.data as ArrayLike<number | bigint>, Number) };
      }
      return result;
    },
  };
}

export function installTestApi(controller: FacetController): void {
  window.facet = createTestApi(controller);
}
