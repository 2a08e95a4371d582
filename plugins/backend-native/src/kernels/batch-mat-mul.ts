// BatchMatMul through OpenBLAS sgemm, every transpose combination. Batch dimensions broadcast
// exactly (numpy rules), unlike the cpu kernel's modulo indexing, which is only right when one
// side has a single batch or both have the same.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import type { NativeAddon } from '../addon.js';
import { contiguousStrides, f32 } from './util.js';

/** For each output batch, the batch index into a and into b under broadcasting. */
export function broadcastBatchIndex(
  outerA: readonly number[],
  outerB: readonly number[],
): { shape: number[]; aIndex: Int32Array; bIndex: Int32Array } {
  const shape = tf.backend_util.assertAndGetBroadcastShape(outerA as number[], outerB as number[]);
  const rank = shape.length;
  const pad = (dims: readonly number[]) => [
    ...new Array<number>(rank - dims.length).fill(1),
    ...dims,
  ];
  const a = pad(outerA);
  const b = pad(outerB);
  const aStrides = contiguousStrides(a).map((s, d) => (a[d] === 1 ? 0 : s));
  const bStrides = contiguousStrides(b).map((s, d) => (b[d] === 1 ? 0 : s));
  const count = shape.reduce((x, y) => x * y, 1);
  const aIndex = new Int32Array(count);
  const bIndex = new Int32Array(count);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < count; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia += idx[d] * aStrides[d];
      ib += idx[d] * bStrides[d];
    }
    aIndex[i] = ia;
    bIndex[i] = ib;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape, aIndex, bIndex };
}

export function batchMatMulKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { a, b } = args.inputs as unknown as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const av = f32(backend, a);
    const bv = f32(backend, b);
    if (av === null || bv === null) return fallback(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const kA = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kB = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (kA !== kB) {
      throw new Error(
        `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
      );
    }
    const { shape, aIndex, bIndex } = broadcastBatchIndex(
      a.shape.slice(0, -2),
      b.shape.slice(0, -2),
    );
    const out = new Float32Array(aIndex.length * m * n);
    if (out.length > 0 && kA > 0)
      addon.batchMatMul(av, bv, out, m, n, kA, transposeA, transposeB, aIndex, bIndex);
    return backend.makeTensorInfo([...shape, m, n], 'float32', out) as TensorInfo;
  };
}
