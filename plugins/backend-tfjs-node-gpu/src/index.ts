// Public names of @allo/backend-tfjs-node-gpu.
export {
  PACKAGE_NAME,
  createTfjsNodeGpuBackend,
  tfjsNodeGpuBackendPlugin,
} from './tfjs-node-gpu-backend.js';
export type { Importer } from './tfjs-node-gpu-backend.js';
