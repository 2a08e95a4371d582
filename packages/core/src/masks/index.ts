// Shared mask utilities: exact global top-k, band masks, eligibility, rows, summaries.
export { kthLargest, kthLargestInPlace } from './kth-largest.js';
export type { ScoreArray } from './kth-largest.js';
export {
  DEFAULT_ELIGIBILITY,
  PARAMETER_GROUPS,
  eligibleGroups,
  eligibleParameters,
} from './eligibility.js';
export type { MaskEligibility } from './eligibility.js';
export { assertBandOptions, ratioProperty, selectorScopeProperties } from './options.js';
export type { MaskGranularity, SelectorScopeOptions } from './options.js';
export { expandRows, rowLayout, rowOf, rowScores } from './rows.js';
export type { RowLayout } from './rows.js';
export { bandMask, countForRatio, flagsToIndices, fullMask, maskFromIndices } from './build.js';
export type { BandOptions, BandResult } from './build.js';
export { maskOverlap, maskSummary } from './summary.js';
export type { MaskOverlap, MaskShare, MaskSummary } from './summary.js';
export { loadMask, saveMask } from './io.js';
