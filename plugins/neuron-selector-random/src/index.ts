export {
  ID,
  apportion,
  createRandomSelector,
  mixSeeds,
  mulberry32,
  randomPlugin,
  sampleIndices,
} from './random.js';
export type { RandomSelectorOptions } from './random.js';
