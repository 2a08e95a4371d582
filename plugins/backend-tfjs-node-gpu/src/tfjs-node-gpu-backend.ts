// The `tfjs-node-gpu` backend plugin: @tensorflow/tfjs-node-gpu (libtensorflow with CUDA). An
// optional install, never a dependency, loaded with a dynamic import only; the loading logic is
// the tfjs-node plugin's, for another package.
import { bindFactory, definePlugin } from '@allo/core';
import type { Backend } from '@allo/core';
import { createTensorflowBackend } from '@allo/backend-tfjs-node';
import type { Importer } from '@allo/backend-tfjs-node';

export type { Importer };

export const PACKAGE_NAME = '@tensorflow/tfjs-node-gpu';

export function createTfjsNodeGpuBackend(importer?: Importer): Backend {
  return createTensorflowBackend(
    { id: 'tfjs-node-gpu', packageName: PACKAGE_NAME, device: 'GPU (CUDA)', gpu: true },
    importer,
  );
}

export const tfjsNodeGpuBackendPlugin = definePlugin<'backend', Record<string, never>>({
  id: 'tfjs-node-gpu',
  kind: 'backend',
  version: '0.1.0',
  description: '@tensorflow/tfjs-node-gpu (libtensorflow with CUDA); optional install',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  register: bindFactory('backend', () => createTfjsNodeGpuBackend()),
});
