// The typed test API the app installs on `window.facet` (src/testing/testApi.ts), as the
// end-to-end tests see it. Declared here rather than imported so the specs state the contract.

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

export interface FacetTestApi {
  whenReady(): Promise<void>;
  info(): FacetInfo;
  setPose(yaw: number, pitch: number): Promise<void>;
  setSeed(seed: number): Promise<void>;
  imagePixels(): Promise<Pixels>;
  runGraph(graph: string, feeds: Record<string, Feed>): Promise<Record<string, GraphOutput>>;
}

/**
 * Cast `window` to this inside page.evaluate callbacks: `(window as unknown as FacetWindow).facet`.
 * (No global augmentation: the app owns Window. No helper function either: evaluate callbacks
 * are serialised and run in the page, where nothing from this module exists.)
 */
export type FacetWindow = Window & { facet: FacetTestApi };
