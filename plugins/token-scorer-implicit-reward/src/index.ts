export {
  ID,
  createImplicitRewardScorer,
  implicitRewardPlugin,
  sigmoidWeights,
  tokenSalience,
  topQWeights,
} from './implicit-reward.js';
export type { ImplicitRewardOptions } from './implicit-reward.js';
export { responseLogRatios } from './response-log-probs.js';
