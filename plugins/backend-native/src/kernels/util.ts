// Shape helpers shared by the native kernels: the backend's typed storage, and collapsing of
// adjacent dimensions so the addon loops over as few dimensions as possible.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';

/**
 * A float32 tensor's values as a Float32Array, or null for other dtypes. The cpu backend casts
 * bool/int32 to float32 without converting the storage (a Uint8Array labelled float32), so such
 * values are converted here, once per kernel call.
 */
export function f32(backend: MathBackendCPU, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId).values;
  if (values instanceof Float32Array) return values;
  if (values instanceof Uint8Array || values instanceof Int32Array)
    return Float32Array.from(values);
  return null;
}

export function i32(backend: MathBackendCPU, t: TensorInfo): Int32Array | null {
  if (t.dtype !== 'int32') return null;
  const values = backend.data.get(t.dataId).values;
  return values instanceof Int32Array ? values : null;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

/**
 * Drops size-1 dimensions and merges neighbours whose strides (one list per operand) are
 * contiguous with each other. Returns at least one dimension.
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, i) => outStrides[i][last] === s[d] * shape[d]);
    if (mergeable) {
      // The merged dimension keeps the inner (later) stride.
      outShape[last] *= shape[d];
      strides.forEach((s, i) => (outStrides[i][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, i) => outStrides[i].push(s[d]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
