// Public names of @allo/core, listed explicitly.
import 'reflect-metadata';
import './tfjs.js';

export * from './types.js';
export * from './extension-points.js';
export { AlloError, ERROR_CODES, errors, formatIssue, isAlloError } from './errors.js';
export type { AlloErrorDetails, ConfigIssue, ErrorCode } from './errors.js';
export { consoleSink, createLogger, getLogLevel, setLogLevel, setLogSinks, writeOut } from './logger.js';
export type { LogLevel, LogRecord, LogSink, Logger } from './logger.js';
export { EventBus } from './events.js';
export type { AlloEventName, AlloEvents } from './events.js';
export { bindFactory, definePlugin, isPluginDeclaration } from './plugin.js';
export type { OptionsSchema, PluginDeclaration } from './plugin.js';
export { appendLine, writeDirAtomic, writeFileAtomic, writeFileAtomicSync } from './io.js';

// ops: numerically stable primitives with correct gradients
export { logSigmoid } from './ops/log-sigmoid.js';
export { matMul } from './ops/mat-mul.js';
export { gatherRows } from './ops/gather-rows.js';
export { ADAMW_KERNEL, adamwUpdate } from './ops/adamw.js';
export type { AdamWHyper, AdamWState } from './ops/adamw.js';
export { TARGET_LOG_PROBS_GRAD_KERNEL, TARGET_LOG_PROBS_KERNEL, targetLogProbs } from './ops/target-log-probs.js';
export { assetPath, repoRoot } from './assets.js';
export { buildBatch, disposeBatch } from './data/batch.js';
export type { SequenceRow } from './data/batch.js';
export { PluginRegistry, declarationsOf, loadExternalPlugins, resolvePluginModule } from './registry.js';
export type { RegisteredPlugin } from './registry.js';
export { AUTO_BACKEND, SLOT_KINDS, assembleSchema, coreSchema } from './config/schema.js';
export type { AlloConfig, BaselineConfig, EvalConfig, SlotConfig, StageOverride } from './config/schema.js';
export { issuesFromAjv, pointerToPath, validateConfig, validateSlot } from './config/validate.js';
export { loadConfig, readConfigFile, resolveLayerPaths } from './config/load.js';
export type { ConfigLayer, LoadedConfig } from './config/load.js';
export { mergeConfig } from './config/merge.js';
export { didYouMean, editDistance } from './config/suggest.js';
export { createRunContainer } from './container.js';
export type { ContainerContext, RunContainer } from './container.js';
export { RunDirectory, assertFreshRunDir, chooseRunDir } from './run-dir.js';
export type { RunInfo } from './run-dir.js';
export { assertBandOptions, bandMask, countForRatio, eligibleGroups, eligibleParameters, expandRows, flagsToIndices, fullMask, kthLargest, kthLargestInPlace, loadMask, maskFromIndices, maskOverlap, maskSummary, ratioProperty, rowLayout, rowOf, rowScores, saveMask, selectorScopeProperties, DEFAULT_ELIGIBILITY, PARAMETER_GROUPS } from './masks/index.js';
export type { BandOptions, BandResult, MaskEligibility, MaskGranularity, MaskOverlap, MaskShare, MaskSummary, RowLayout, ScoreArray, SelectorScopeOptions } from './masks/index.js';
export { decodeSafetensors, encodeSafetensors, readSafetensors, readSafetensorsFile, writeSafetensors } from './safetensors.js';
export type { SafetensorsDtype, SafetensorsEntry, SafetensorsFile } from './safetensors.js';
// data: JSONL reading, the one tokenisation path, splits, dataset preparation, task verifiers
export { countDrop, mergeDropCounts, totalDropped } from './data/drops.js';
export { readJsonl, rejectRow } from './data/jsonl.js';
export type { JsonlOptions, JsonlRow, OnInvalid } from './data/jsonl.js';
export { describeValue, getField, parseFieldPath, requireString, requireText } from './data/fields.js';
export {
  addsDummyPrefix,
  cutPromptLeft,
  encodePrompt,
  encodeResponse,
  tokenizePair,
  tokenizeResponse,
} from './data/tokenize.js';
export type { TokenizeOptions } from './data/tokenize.js';
export { seededPermutation, seededRandom, splitRecords, splitSize } from './data/split.js';
export type { SplitOptions, Splits } from './data/split.js';
export { DATA_DEFAULTS, dataOptionsSchema, resolveDataOptions } from './data/options.js';
export type { DataOptions } from './data/options.js';
export { lengthStats, prepareDatasets } from './data/prepare.js';
export type { LengthStats, PreparedData, PrepareInput } from './data/prepare.js';
export { answerIsVerifier, normaliseNumber } from './data/task.js';
export type { TaskSource, Verifier } from './data/task.js';
export { charTokenizer } from './data/char-tokenizer.js';
export type { CharTokenizerOptions } from './data/char-tokenizer.js';
export { pairProblems } from './data/invariants.js';
export { AUTO_ORDER, chooseBackend } from './job/backend.js';
export type { ChosenBackend } from './job/backend.js';
export { checkStageOverrides, runJob } from './job/run-job.js';
export type { JobOptions, JobResult, SampleRecord, StageRecord } from './job/run-job.js';

// train: objectives, masked AdamW, reference cache, stage runner, evaluation
export { dpoLoss, preferenceLoss } from './train/objectives/dpo.js';
export type { DpoSpec } from './train/objectives/dpo.js';
export { keyTokenDpoLoss, keyTokenMask } from './train/objectives/key-token-dpo.js';
export type { KeyTokenDpoSpec } from './train/objectives/key-token-dpo.js';
export { npoLoss } from './train/objectives/npo.js';
export type { NpoInput } from './train/objectives/npo.js';
export { sftLoss } from './train/objectives/sft.js';
export type { SftInput } from './train/objectives/sft.js';
export type { ObjectiveOutput, PairLogps } from './train/objectives/types.js';
export { MaskedAdamW } from './train/masked-adamw.js';
export type { AdamWOptions, StepReport } from './train/masked-adamw.js';
export { learningRate, warmupSteps } from './train/lr-schedule.js';
export { ReferenceCache, referenceFingerprint } from './train/reference-cache.js';
export type { CacheSource, CachedLogps } from './train/reference-cache.js';
export { layoutResponseValues, responseLogps, weightsOf } from './train/logps.js';
export { runSchedule, totalSteps } from './train/run-schedule.js';
export type { ScheduleResult, StageOutcome, TrainingInputs } from './train/run-schedule.js';
export { evaluatePairs, klToReference } from './train/evaluate.js';
export { createTinyLM, tinyTokenizer } from './train/tiny-lm.js';
export type { TinyLMOptions } from './train/tiny-lm.js';
export { stopGradient } from './train/stop-gradient.js';
export { DEFAULT_OPTIMIZER, objectSchema, optimizerOptionsSchema, optimizerSpec, stageBudget, stageOptionProperties, withDefaults } from './train/schedule-options.js';
export type { OptimizerOptions, StageOptions } from './train/schedule-options.js';

// eval: task accuracy on problems with checkable answers
export { answerTokenBudget, binomialStderr, taskAccuracy } from './eval/task-accuracy.js';
export type { TaskAccuracy, TaskAccuracyOptions } from './eval/task-accuracy.js';
export { spaceChunked } from './data/space-chunked.js';
