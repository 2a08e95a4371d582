// The fused kernels that @allo/core's targetLogProbs dispatches to when registered:
// AlloTargetLogProbs (logits [N, V] f32, targets [N] i32 → value [N], logZ [N]) and
// AlloTargetLogProbsGrad (logits, targets, logZ, dy → d logits [N, V]).
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import type { NativeAddon } from '../addon.js';
import { f32, i32 } from './util.js';

function expect2d(name: string, logits: TensorInfo, targets: TensorInfo): void {
  if (
    logits.shape.length !== 2 ||
    targets.shape.length !== 1 ||
    targets.shape[0] !== logits.shape[0]
  ) {
    throw new Error(
      `${name}: expected logits [N, V] and targets [N], got logits [${logits.shape}] and targets [${targets.shape}]`,
    );
  }
}

export function targetLogProbsKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { logits, targets } = args.inputs as unknown as {
      logits: TensorInfo;
      targets: TensorInfo;
    };
    expect2d('AlloTargetLogProbs', logits, targets);
    const lv = f32(backend, logits);
    const tv = i32(backend, targets);
    if (lv === null || tv === null)
      throw new Error(
        `AlloTargetLogProbs: expected float32 logits and int32 targets, got ${logits.dtype} and ${targets.dtype}`,
      );
    const rows = logits.shape[0];
    const value = new Float32Array(rows);
    const logZ = new Float32Array(rows);
    if (rows > 0) addon.targetLogProbs(lv, tv, value, logZ, logits.shape[1]);
    return [
      backend.makeTensorInfo([rows], 'float32', value),
      backend.makeTensorInfo([rows], 'float32', logZ),
    ] as TensorInfo[];
  };
}

export function targetLogProbsGradKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { logits, targets, logZ, dy } = args.inputs as unknown as {
      logits: TensorInfo;
      targets: TensorInfo;
      logZ: TensorInfo;
      dy: TensorInfo;
    };
    expect2d('AlloTargetLogProbsGrad', logits, targets);
    const lv = f32(backend, logits);
    const tv = i32(backend, targets);
    const zv = f32(backend, logZ);
    const dv = f32(backend, dy);
    if (lv === null || tv === null || zv === null || dv === null)
      throw new Error(
        'AlloTargetLogProbsGrad: expected float32 logits, logZ, dy and int32 targets',
      );
    const out = new Float32Array(lv.length);
    if (out.length > 0) addon.targetLogProbsGrad(lv, tv, zv, dv, out, logits.shape[1]);
    return backend.makeTensorInfo(logits.shape, 'float32', out) as TensorInfo;
  };
}
