export { ID, createUniformScorer, uniformPlugin } from './uniform.js';
export type { UniformScorerOptions } from './uniform.js';
