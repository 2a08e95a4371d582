// Public names of @allo/model-llama2c.
export { createLlama2cLoader, Llama2cLoader, llama2cModelPlugin } from './llama2c-loader.js';
export type { Llama2cLoaderOptions } from './llama2c-loader.js';
