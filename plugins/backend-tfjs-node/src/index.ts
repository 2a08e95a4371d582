// Public names of @allo/backend-tfjs-node.
export {
  PACKAGE_NAME,
  createTensorflowBackend,
  createTfjsNodeBackend,
  tfjsNodeBackendPlugin,
} from './tfjs-node-backend.js';
export type { Importer, TensorflowPackage } from './tfjs-node-backend.js';
