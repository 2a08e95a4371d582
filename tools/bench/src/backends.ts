// Backend set-up for the benchmarks through the product's own backend plugins.
import type { Backend, BackendInfo, Logger } from '@allo/core';
import { createCpuBackend } from '@allo/backend-cpu';
import { createNativeBackend } from '@allo/backend-native';
import { createTfjsNodeBackend } from '@allo/backend-tfjs-node';
import { createTfjsNodeGpuBackend } from '@allo/backend-tfjs-node-gpu';

export const BACKEND_IDS = ['tfjs-node-gpu', 'tfjs-node', 'native', 'cpu'] as const;
export type BenchBackendId = (typeof BACKEND_IDS)[number];

export function backendFor(id: string, logger: Logger): Backend {
  switch (id) {
    case 'cpu':
      return createCpuBackend();
    case 'native':
      return createNativeBackend({ threads: 0 }, logger);
    case 'tfjs-node':
      return createTfjsNodeBackend();
    case 'tfjs-node-gpu':
      return createTfjsNodeGpuBackend();
    default:
      throw new Error(`unknown backend "${id}"; expected one of ${BACKEND_IDS.join(', ')}`);
  }
}

export async function selectBackend(id: string, logger: Logger): Promise<BackendInfo> {
  return backendFor(id, logger).initialise();
}
