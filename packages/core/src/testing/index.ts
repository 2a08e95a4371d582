// Test helpers shared by every package: backend set-up and tensor-leak checks.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/** Selects the pure-JS cpu backend (deterministic; what CI's reference values assume). */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  // The cpu backend prints a suggestion to install tfjs-node on its first tensor write unless
  // its private firstUse flag is cleared (what @allo/backend-cpu does for runs).
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if ('firstUse' in backend) backend.firstUse = false;
}

/** Runs fn and returns how many tensors it left behind (0 for a leak-free function). */
export async function leakedTensors(fn: () => unknown | Promise<unknown>): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}

export { pluginContract, testContext } from './contract.js';
export type { ContractSpec, InvalidOptionsCase } from './contract.js';
