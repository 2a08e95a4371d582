// Data movement through the addon's strided copy: Transpose, Slice, SplitV, Concat and PadV2. The cpu
// versions compute a multi-index per element (SplitV along the last axis, as RoPE does, was the
// largest cost of a DPO step once matmul was native).
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type {
  ConcatAttrs,
  KernelFunc,
  PadV2Attrs,
  SliceAttrs,
  SplitVAttrs,
  TensorInfo,
  TransposeAttrs,
} from '@tensorflow/tfjs-core';

import type { NativeAddon } from '../addon.js';
import { collapse, contiguousStrides, f32 } from './util.js';

function copy(
  addon: NativeAddon,
  src: Float32Array,
  srcStrides: number[],
  dst: Float32Array,
  dstStrides: number[],
  shape: number[],
): void {
  if (tf.util.sizeFromShape(shape) === 0) return;
  const c = collapse(shape, [srcStrides, dstStrides]);
  addon.copy(src, c.strides[0], dst, c.strides[1], c.shape);
}

function slice(
  addon: NativeAddon,
  backend: MathBackendCPU,
  x: TensorInfo,
  xv: Float32Array,
  begin: number[],
  size: number[],
): TensorInfo {
  const strides = contiguousStrides(x.shape);
  const offset = begin.reduce((o, b, d) => o + b * strides[d], 0);
  const out = new Float32Array(tf.util.sizeFromShape(size));
  copy(addon, xv.subarray(offset), strides, out, contiguousStrides(size), size);
  return backend.makeTensorInfo(size, 'float32', out) as TensorInfo;
}

export function transposeKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as unknown as { x: TensorInfo };
    const { perm } = args.attrs as unknown as TransposeAttrs;
    const xv = f32(backend, x);
    if (xv === null) return fallback(args);
    const inStrides = contiguousStrides(x.shape);
    const outShape = perm.map((p) => x.shape[p]);
    const out = new Float32Array(xv.length);
    copy(
      addon,
      xv,
      perm.map((p) => inStrides[p]),
      out,
      contiguousStrides(outShape),
      outShape,
    );
    return backend.makeTensorInfo(outShape, 'float32', out) as TensorInfo;
  };
}

export function sliceKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as unknown as { x: TensorInfo };
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const xv = f32(backend, x);
    if (xv === null) return fallback(args);
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
    return slice(addon, backend, x, xv, b, s);
  };
}

export function splitVKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as unknown as { x: TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const xv = f32(backend, x);
    if (xv === null) return fallback(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((part) => {
      const size = x.shape.slice();
      size[ax] = part;
      const out = slice(addon, backend, x, xv, begin.slice(), size);
      begin[ax] += part;
      return out;
    });
  };
}

export function concatKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const inputs = args.inputs as unknown as TensorInfo[];
    const { axis } = args.attrs as unknown as ConcatAttrs;
    const values = inputs.map((t) => f32(backend, t));
    if (inputs.length === 0 || values.some((v) => v === null)) return fallback(args);
    const ax = tf.util.parseAxisParam(axis, inputs[0].shape)[0];
    const outShape = tf.backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      ax,
    );
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    const outStrides = contiguousStrides(outShape);
    let offset = 0;
    inputs.forEach((t, i) => {
      copy(
        addon,
        values[i] as Float32Array,
        contiguousStrides(t.shape),
        out.subarray(offset * outStrides[ax]),
        outStrides,
        t.shape.slice(),
      );
      offset += t.shape[ax];
    });
    return backend.makeTensorInfo(outShape, 'float32', out) as TensorInfo;
  };
}

export function padKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as unknown as { x: TensorInfo };
    const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
    const xv = f32(backend, x);
    if (xv === null) return fallback(args);
    const outShape = x.shape.map((size, d) => paddings[d][0] + size + paddings[d][1]);
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    if (constantValue !== 0) out.fill(constantValue);
    const outStrides = contiguousStrides(outShape);
    const offset = paddings.reduce((o, [before], d) => o + before * outStrides[d], 0);
    copy(addon, xv, contiguousStrides(x.shape), out.subarray(offset), outStrides, x.shape.slice());
    return backend.makeTensorInfo(outShape, 'float32', out) as TensorInfo;
  };
}
