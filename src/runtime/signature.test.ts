import { describe, expect, it } from 'vitest';
import { compareSignature } from './signature';

const declared = {
  inputs: [{ name: 'z', shape: [18, 8], dtype: 'float32' as const }, { name: 'psi', shape: [1], dtype: 'float32' as const }],
  outputs: [{ name: 'codes', shape: [18, 16], dtype: 'float32' as const }],
};

describe('compareSignature', () => {
  it('accepts a matching session, with or without metadata', () => {
    const names = { inputs: [{ name: 'psi' }, { name: 'z' }], outputs: [{ name: 'codes' }] };
    expect(compareSignature(declared, names)).toEqual([]);
    const full = {
      inputs: [{ name: 'z', type: 'float32', shape: [18, 8] }, { name: 'psi', type: 'float32', shape: [1] }],
      outputs: [{ name: 'codes', type: 'float32', shape: [18, 16] }],
    };
    expect(compareSignature(declared, full)).toEqual([]);
  });

  it('names missing inputs, wrong dtypes and shapes', () => {
    expect(compareSignature(declared, { inputs: [{ name: 'z' }], outputs: [{ name: 'codes' }] })).toEqual([
      { field: 'inputs', expected: '["z", "psi"]', found: '["z"]' },
    ]);
    const wrong = {
      inputs: [{ name: 'z', type: 'float16', shape: [18, 8] }, { name: 'psi', type: 'float32', shape: [2] }],
      outputs: [{ name: 'codes', type: 'float32', shape: ['n', 16] }],
    };
    expect(compareSignature(declared, wrong).map((p) => p.field)).toEqual(['inputs/z/dtype', 'inputs/psi/shape']);
  });
});
