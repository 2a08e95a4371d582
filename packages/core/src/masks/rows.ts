// Row granularity: a "row" is one output neuron, all elements that share an index along the
// tensor's NamedParameter.outputAxis (axis 0 of a [out, in] Linear weight, axis 1 of a GPT-2
// Conv1D weight stored [in, out]). A vector has one element per neuron, so each element is its
// own row; a matrix without an outputAxis is read along axis 0.
import type { NamedParameter } from '../types.js';

export interface RowLayout {
  rows: number;
  /** Number of consecutive flat elements that share a row index. */
  stride: number;
}

export function rowLayout(parameter: NamedParameter): RowLayout {
  const shape: readonly number[] = parameter.variable.shape;
  if (shape.length <= 1) return { rows: parameter.variable.size, stride: 1 };
  const axis = parameter.outputAxis ?? 0;
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { rows: shape[axis], stride };
}

/** Row index of a flat element index. */
export function rowOf(layout: RowLayout, flat: number): number {
  return Math.floor(flat / layout.stride) % layout.rows;
}

/** Sum of |score| over each row, in float64. */
export function rowScores(parameter: NamedParameter, scores: ArrayLike<number>): Float64Array {
  const layout = rowLayout(parameter);
  const out = new Float64Array(layout.rows);
  for (let i = 0; i < scores.length; i += 1) out[rowOf(layout, i)] += Math.abs(scores[i]);
  return out;
}

/** The ascending flat indices of every element in the selected rows. */
export function expandRows(parameter: NamedParameter, selectedRows: Uint8Array): Int32Array {
  const layout = rowLayout(parameter);
  const size = parameter.variable.size;
  let count = 0;
  for (let r = 0; r < selectedRows.length; r += 1) count += selectedRows[r];
  const indices = new Int32Array(count * (size / layout.rows));
  let n = 0;
  for (let i = 0; i < size; i += 1) {
    if (selectedRows[rowOf(layout, i)] === 1) indices[n++] = i;
  }
  return indices;
}
