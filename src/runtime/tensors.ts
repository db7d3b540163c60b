/** Plain tensor shapes passed across the runtime boundary, so no other folder needs ORT types. */

export type DType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';
export type HostData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

export interface HostTensor {
  type: DType;
  dims: readonly number[];
  data: HostData;
}

export type Feeds = Record<string, HostTensor>;
export type Outputs = Record<string, { dims: number[]; data: HostData }>;

/** A tensor as a manifest declares it. */
export interface TensorSpec {
  name: string;
  shape: number[];
  dtype: DType;
}

export interface GraphSpec {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** One difference between what a manifest declares and what the session reports. */
export interface SignatureProblem {
  field: string; // e.g. "inputs", "inputs/z/shape"
  expected: string;
  found: string;
}

export function zeros(spec: TensorSpec): HostTensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  switch (spec.dtype) {
    case 'int64':
      return { type: 'int64', dims: spec.shape, data: new BigInt64Array(n) };
    case 'int32':
      return { type: 'int32', dims: spec.shape, data: new Int32Array(n) };
    case 'uint8':
    case 'bool':
      return { type: spec.dtype, dims: spec.shape, data: new Uint8Array(n) };
    case 'float16':
      return { type: 'float16', dims: spec.shape, data: new Uint16Array(n) };
    default:
      return { type: 'float32', dims: spec.shape, data: new Float32Array(n) };
  }
}
