// The `native` backend plugin: tfjs on the `allo-native` backend (cpu storage, OpenBLAS and C++
// kernels from the addon). Without the addon it is unavailable; chosen explicitly anyway, it
// falls back to the cpu backend with one warning naming the command that builds the addon.
import '@tensorflow/tfjs-backend-cpu';
import { cpus } from 'node:os';

import * as tf from '@tensorflow/tfjs-core';
import { bindFactory, definePlugin, errors } from '@allo/core';
import type { Backend, BackendInfo, Logger } from '@allo/core';

import { loadAddon } from './addon.js';
import type { AddonLoad } from './addon.js';
import { NATIVE_BACKEND_NAME, quietCpuBackend, registerNativeBackend } from './native-backend.js';

export interface NativeBackendOptions {
  /** OpenBLAS threads; 0 uses every core. */
  threads: number;
}

export function createNativeBackend(
  options: NativeBackendOptions,
  logger: Logger,
  load: () => AddonLoad = loadAddon,
): Backend {
  return {
    async available() {
      const result = load();
      return result.ok ? { ok: true } : { ok: false, reason: result.reason };
    },

    async initialise(): Promise<BackendInfo> {
      const result = load();
      if (!result.ok) return fallBackToCpu(result.reason, logger);
      registerNativeBackend(result.addon);
      const threads = options.threads > 0 ? options.threads : cpus().length;
      result.addon.setThreads(threads);
      if (!(await tf.setBackend(NATIVE_BACKEND_NAME)))
        throw errors.backendUnavailable(
          'native',
          `tfjs could not select the ${NATIVE_BACKEND_NAME} backend`,
        );
      await tf.ready();
      return {
        name: NATIVE_BACKEND_NAME,
        description: `tfjs cpu backend with native kernels (OpenBLAS sgemm on ${result.addon.getThreads()} threads; C++ segment sums, broadcasting elementwise ops, transposes, reductions, softmax, fused target log-probs)`,
        capabilities: {
          gpu: false,
          nativeMatMul: true,
          threads: result.addon.getThreads(),
          float64: false,
        },
      };
    },
  };
}

async function fallBackToCpu(reason: string, logger: Logger): Promise<BackendInfo> {
  logger.warnOnce(
    'backend-native:fallback',
    `native kernels unavailable, running on the pure-JS cpu backend instead: ${reason}`,
  );
  if (tf.findBackend('cpu') == null) tf.registerBackend('cpu', quietCpuBackend, 1);
  if (!(await tf.setBackend('cpu')))
    throw errors.backendUnavailable(
      'native',
      'neither the native addon nor the tfjs cpu backend could start',
    );
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return {
    name: 'cpu',
    description: `pure-JS tfjs cpu backend (fallback: ${reason})`,
    capabilities: { gpu: false, nativeMatMul: false, threads: 1, float64: false },
  };
}

export const nativeBackendPlugin = definePlugin<'backend', NativeBackendOptions>({
  id: 'native',
  kind: 'backend',
  version: '0.1.0',
  description: 'tfjs with native kernels: OpenBLAS matmul and C++ hot loops through an N-API addon',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      threads: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'OpenBLAS threads; 0 uses every core',
      },
    },
  },
  register: bindFactory('backend', (options: NativeBackendOptions, context) =>
    createNativeBackend(options, context.logger),
  ),
});
