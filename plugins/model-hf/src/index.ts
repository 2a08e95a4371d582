// Public names of @allo/model-hf.
export { createHfLoader, HfLoader, hfModelPlugin } from './hf-loader.js';
export type { HfLoaderOptions } from './hf-loader.js';
