/** Compare a session's reported inputs/outputs with the manifest's declaration (pure). */
import type { SignatureProblem, TensorSpec } from './tensors';

/** What ORT reports for one value; shape/type are missing where ORT exposes no metadata. */
export interface ReportedValue {
  name: string;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

const show = (xs: readonly unknown[]): string => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;

function compareValues(kind: 'inputs' | 'outputs', declared: TensorSpec[], reported: ReportedValue[]): SignatureProblem[] {
  const names = declared.map((t) => t.name);
  const found = reported.map((v) => v.name);
  const sameSet = names.length === found.length && names.every((n) => found.includes(n));
  if (!sameSet) return [{ field: kind, expected: show(names), found: show(found) }];
  const problems: SignatureProblem[] = [];
  for (const spec of declared) {
    const v = reported.find((r) => r.name === spec.name)!;
    if (v.type !== undefined && v.type !== spec.dtype) {
      problems.push({ field: `${kind}/${spec.name}/dtype`, expected: spec.dtype, found: v.type });
    }
    if (v.shape !== undefined && v.shape.length > 0) {
      const fixed = v.shape.length === spec.shape.length && v.shape.every((d, i) => typeof d !== 'number' || d === spec.shape[i]);
      if (!fixed) problems.push({ field: `${kind}/${spec.name}/shape`, expected: show(spec.shape), found: show(v.shape) });
    }
  }
  return problems;
}

export function compareSignature(
  declared: { inputs: TensorSpec[]; outputs: TensorSpec[] },
  reported: { inputs: ReportedValue[]; outputs: ReportedValue[] },
): SignatureProblem[] {
  return [...compareValues('inputs', declared.inputs, reported.inputs), ...compareValues('outputs', declared.outputs, reported.outputs)];
}
