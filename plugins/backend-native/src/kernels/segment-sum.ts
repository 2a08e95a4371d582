// UnsortedSegmentSum in one pass over its input. It is the gradient of gather, i.e. of the
// embedding lookup; the cpu kernel makes one full pass per segment (per vocabulary entry).
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';

import type { NativeAddon } from '../addon.js';
import { f32, i32 } from './util.js';

export function unsortedSegmentSumKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, segmentIds } = args.inputs as unknown as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = args.attrs as unknown as UnsortedSegmentSumAttrs;
    const xv = f32(backend, x);
    const ids = i32(backend, segmentIds);
    if (xv === null || ids === null) return fallback(args);
    const idsRank = segmentIds.shape.length;
    const prefixMatches = segmentIds.shape.every((size, d) => size === x.shape[d]);
    if (!prefixMatches) return fallback(args);
    const innerShape = x.shape.slice(idsRank);
    const inner = innerShape.reduce((p, s) => p * s, 1);
    const out = new Float32Array(numSegments * inner);
    if (out.length > 0) addon.segmentSum(xv, ids, out, inner);
    return backend.makeTensorInfo([numSegments, ...innerShape], 'float32', out) as TensorInfo;
  };
}
