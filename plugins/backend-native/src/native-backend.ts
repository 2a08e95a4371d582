// The `allo-native` tfjs backend: the pure-JS cpu backend's storage and every one of its
// kernels, re-registered under this backend's name, with the hot ones replaced by OpenBLAS and
// C++ loops from the addon. Built on cpu rather than wasm: see README.md for the measurements.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { ADAMW_KERNEL, TARGET_LOG_PROBS_GRAD_KERNEL, TARGET_LOG_PROBS_KERNEL } from '@allo/core';

import type { NativeAddon } from './addon.js';
import { batchMatMulKernel } from './kernels/batch-mat-mul.js';
import {
  BINARY_OPS,
  UNARY_OPS,
  binaryKernel,
  gatherKernel,
  meanKernel,
  softmaxKernel,
  sumKernel,
  unaryKernel,
} from './kernels/elementwise.js';
import {
  concatKernel,
  padKernel,
  sliceKernel,
  splitVKernel,
  transposeKernel,
} from './kernels/layout.js';
import { adamwKernel } from './kernels/adamw.js';
import { unsortedSegmentSumKernel } from './kernels/segment-sum.js';
import { targetLogProbsGradKernel, targetLogProbsKernel } from './kernels/target-log-probs.js';

export const NATIVE_BACKEND_NAME = 'allo-native';

/** A cpu backend that never prints tfjs's "looks like you are running TensorFlow.js in Node.js" nag. */
export function quietCpuBackend(): MathBackendCPU {
  const backend = new MathBackendCPU();
  // The nag is written on the first tensor write while `firstUse` is set.
  (backend as unknown as { firstUse: boolean }).firstUse = false;
  return backend;
}

/** The kernels the addon replaces, by tfjs kernel name, each given the cpu kernel to fall back on. */
export function nativeKernels(
  addon: NativeAddon,
  cpu: (name: string) => KernelFunc,
): Map<string, KernelFunc> {
  const kernels = new Map<string, KernelFunc>();
  kernels.set('BatchMatMul', batchMatMulKernel(addon, cpu('BatchMatMul')));
  kernels.set('UnsortedSegmentSum', unsortedSegmentSumKernel(addon, cpu('UnsortedSegmentSum')));
  for (const [name, op] of Object.entries(BINARY_OPS))
    kernels.set(name, binaryKernel(addon, op, cpu(name)));
  for (const [name, op] of Object.entries(UNARY_OPS))
    kernels.set(name, unaryKernel(addon, op, cpu(name)));
  kernels.set('Transpose', transposeKernel(addon, cpu('Transpose')));
  kernels.set('Slice', sliceKernel(addon, cpu('Slice')));
  kernels.set('SplitV', splitVKernel(addon, cpu('SplitV')));
  kernels.set('Concat', concatKernel(addon, cpu('Concat')));
  kernels.set('PadV2', padKernel(addon, cpu('PadV2')));
  kernels.set('Sum', sumKernel(addon, cpu('Sum')));
  kernels.set('Mean', meanKernel(addon, cpu('Mean')));
  kernels.set('Softmax', softmaxKernel(addon, cpu('Softmax')));
  kernels.set('GatherV2', gatherKernel(addon, cpu('GatherV2')));
  kernels.set(TARGET_LOG_PROBS_KERNEL, targetLogProbsKernel(addon));
  kernels.set(TARGET_LOG_PROBS_GRAD_KERNEL, targetLogProbsGradKernel(addon));
  kernels.set(ADAMW_KERNEL, adamwKernel(addon));
  return kernels;
}

let registered = false;

/** Registers the `allo-native` backend and its kernels once per process; does not select it. */
export function registerNativeBackend(addon: NativeAddon): void {
  if (registered) return;
  registered = true;
  const cpuKernels = new Map<string, KernelConfig>(
    tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k]),
  );
  const cpu = (name: string): KernelFunc => {
    const config = cpuKernels.get(name);
    if (config === undefined)
      throw new Error(`allo-native: the cpu backend has no ${name} kernel to fall back on`);
    return config.kernelFunc;
  };
  const overrides = nativeKernels(addon, cpu);
  tf.registerBackend(NATIVE_BACKEND_NAME, quietCpuBackend, 0);
  for (const config of cpuKernels.values()) {
    if (overrides.has(config.kernelName)) continue;
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME });
  }
  for (const [kernelName, kernelFunc] of overrides)
    tf.registerKernel({ kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc });
}
