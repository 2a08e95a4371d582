export { ID, allPlugin, createAllSelector } from './all.js';
export type { AllSelectorOptions } from './all.js';
