// Public names of @allo/backend-tfjs-node.
export { PACKAGE_NAME, createTfjsNodeBackend, tfjsNodeBackendPlugin } from './tfjs-node-backend.js';
export type { Importer } from './tfjs-node-backend.js';
