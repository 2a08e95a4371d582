// The `cpu` backend plugin: tfjs's pure-JS cpu backend. Always available; the last resort of
// the auto choice and the backend the reference values in tests assume.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { bindFactory, definePlugin, errors } from '@allo/core';
import type { Backend, BackendInfo } from '@allo/core';

/**
 * Turns off tfjs's one-time "looks like you are running TensorFlow.js in Node.js" console nag
 * on a cpu-family backend: the cpu backend prints it on its first tensor write while its
 * private `firstUse` flag is set, and nothing but allo's logger may write to the console.
 */
export function silenceNodeNag(backend: tf.KernelBackend): void {
  if (backend instanceof MathBackendCPU)
    (backend as unknown as { firstUse: boolean }).firstUse = false;
}

export function createCpuBackend(): Backend {
  return {
    async available() {
      return { ok: true };
    },

    async initialise(): Promise<BackendInfo> {
      if (tf.findBackendFactory('cpu') == null)
        tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
      const backend = tf.findBackend('cpu');
      if (backend == null)
        throw errors.backendUnavailable('cpu', 'tfjs could not create its cpu backend');
      silenceNodeNag(backend);
      if (!(await tf.setBackend('cpu')))
        throw errors.backendUnavailable('cpu', 'tfjs could not select its cpu backend');
      await tf.ready();
      return {
        name: 'cpu',
        description:
          'pure-JS tfjs cpu backend (always available; slowest: single-threaded JavaScript kernels)',
        capabilities: { gpu: false, nativeMatMul: false, threads: 1, float64: false },
      };
    },
  };
}

export const cpuBackendPlugin = definePlugin<'backend', Record<string, never>>({
  id: 'cpu',
  kind: 'backend',
  version: '0.1.0',
  description: 'the pure-JS tfjs cpu backend: always available, single-threaded',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  register: bindFactory('backend', () => createCpuBackend()),
});
