export {
  DEFAULT_TEMPLATE,
  ID,
  checkSameTokenizer,
  createRewardModelScorer,
  fillTemplate,
  loadRewardModel,
  pairTexts,
  rewardModelPlugin,
  weightsFromProbabilities,
} from './reward-model.js';
export type { LoadRewardModel, RewardModelOptions, RewardModelScorer } from './reward-model.js';
