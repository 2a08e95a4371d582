// Float32 kernels whose cpu versions compute a multi-index per element or call a JavaScript
// function per element: broadcasting binary ops, unary math, Sum/Mean over any axes, last-axis
// Softmax, GatherV2. Other dtypes, and the
// attributes these do not handle, go to the cpu kernel unchanged.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type {
  GatherV2Attrs,
  KernelFunc,
  SoftmaxAttrs,
  SumAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';

import type { NativeAddon } from '../addon.js';
import { collapse, contiguousStrides, f32, i32 } from './util.js';

/** The addon's binary op codes (native/src/elementwise.cc). */
export const BINARY_OPS: Readonly<Record<string, number>> = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
  Pow: 7,
};

/** The addon's unary op codes (native/src/elementwise.cc). */
export const UNARY_OPS: Readonly<Record<string, number>> = {
  Sigmoid: 0,
  Exp: 1,
  Sqrt: 2,
  Rsqrt: 3,
  Square: 4,
  Neg: 5,
  Log: 6,
  Log1p: 7,
  Abs: 8,
  Tanh: 9,
};

export function unaryKernel(addon: NativeAddon, op: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as unknown as { x: TensorInfo };
    const xv = f32(backend, x);
    if (xv === null) return fallback(args);
    const out = new Float32Array(xv.length);
    if (out.length > 0) addon.unary(op, xv, out);
    return backend.makeTensorInfo(x.shape, 'float32', out) as TensorInfo;
  };
}

function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const padded = [...new Array<number>(outShape.length - shape.length).fill(1), ...shape];
  return contiguousStrides(padded).map((s, d) => (padded[d] === 1 ? 0 : s));
}

export function binaryKernel(addon: NativeAddon, op: number, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { a, b } = args.inputs as unknown as { a: TensorInfo; b: TensorInfo };
    const av = f32(backend, a);
    const bv = f32(backend, b);
    if (av === null || bv === null) return fallback(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    if (out.length > 0) {
      const { shape, strides } = collapse(outShape, [
        broadcastStrides(a.shape, outShape),
        broadcastStrides(b.shape, outShape),
      ]);
      addon.binary(op, av, bv, out, shape, strides[0], strides[1]);
    }
    return backend.makeTensorInfo(outShape, 'float32', out) as TensorInfo;
  };
}

function reduceKernel(addon: NativeAddon, fallback: KernelFunc, mean: boolean): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as unknown as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const xv = f32(backend, x);
    if (xv === null) return fallback(args);
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduced = x.shape.map((_, d) => axes.includes(d));
    const kept = x.shape.map((size, d) => (reduced[d] ? 1 : size));
    const outStrides = contiguousStrides(kept).map((s, d) => (reduced[d] ? 0 : s));
    const outShape = keepDims ? kept : x.shape.filter((_, d) => !reduced[d]);
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    if (xv.length > 0) {
      const { shape, strides } = collapse(x.shape, [contiguousStrides(x.shape), outStrides]);
      addon.reduceSum(xv, out, shape, strides[1]);
    }
    if (mean) {
      const count = xv.length / Math.max(out.length, 1);
      for (let i = 0; i < out.length; i++) out[i] /= count;
    }
    return backend.makeTensorInfo(outShape, 'float32', out) as TensorInfo;
  };
}

export const sumKernel = (addon: NativeAddon, fallback: KernelFunc): KernelFunc =>
  reduceKernel(addon, fallback, false);
export const meanKernel = (addon: NativeAddon, fallback: KernelFunc): KernelFunc =>
  reduceKernel(addon, fallback, true);

export function softmaxKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { logits } = args.inputs as unknown as { logits: TensorInfo };
    const { dim } = args.attrs as unknown as SoftmaxAttrs;
    const xv = f32(backend, logits);
    const rank = logits.shape.length;
    if (xv === null || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(args);
    const out = new Float32Array(xv.length);
    const cols = logits.shape[rank - 1];
    if (out.length > 0) addon.softmax(xv, out, cols);
    return backend.makeTensorInfo(logits.shape, 'float32', out) as TensorInfo;
  };
}

export function gatherKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, indices } = args.inputs as unknown as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as GatherV2Attrs;
    const xv = f32(backend, x);
    const iv = i32(backend, indices);
    if (xv === null || iv === null || (batchDims ?? 0) !== 0) return fallback(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const outer = tf.util.sizeFromShape(x.shape.slice(0, ax));
    const rows = x.shape[ax];
    const inner = tf.util.sizeFromShape(x.shape.slice(ax + 1));
    const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    const bad = out.length > 0 ? addon.gather(xv, iv, out, outer, rows, inner) : -1;
    if (bad !== -1) throw new Error(`GatherV2: the index value ${bad} is not in [0, ${rows - 1}]`);
    return backend.makeTensorInfo(outShape, 'float32', out) as TensorInfo;
  };
}
