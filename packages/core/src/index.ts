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
export { TARGET_LOG_PROBS_GRAD_KERNEL, TARGET_LOG_PROBS_KERNEL, targetLogProbs } from './ops/target-log-probs.js';
export { assetPath, repoRoot } from './assets.js';
export { buildBatch, disposeBatch } from './data/batch.js';
export type { SequenceRow } from './data/batch.js';
export { PluginRegistry, declarationsOf, loadExternalPlugins, resolvePluginModule } from './registry.js';
export type { RegisteredPlugin } from './registry.js';
export { AUTO_BACKEND, SLOT_KINDS, assembleSchema, coreSchema, setDataOptionsSchema } from './config/schema.js';
export type { AlloConfig, EvalConfig, SlotConfig, StageOverride } from './config/schema.js';
export { issuesFromAjv, pointerToPath, validateConfig, validateSlot } from './config/validate.js';
export { loadConfig, readConfigFile, resolveLayerPaths } from './config/load.js';
export type { ConfigLayer, LoadedConfig } from './config/load.js';
export { mergeConfig } from './config/merge.js';
export { didYouMean, editDistance } from './config/suggest.js';
export { createRunContainer } from './container.js';
export type { ContainerContext, RunContainer } from './container.js';
export { RunDirectory, chooseRunDir } from './run-dir.js';
export type { RunInfo } from './run-dir.js';
export { bandMask, countForRatio, eligibleGroups, eligibleParameters, expandRows, flagsToIndices, fullMask, kthLargest, kthLargestInPlace, maskFromIndices, maskOverlap, maskSummary, ratioProperty, rowLayout, rowOf, rowScores, selectorScopeProperties, DEFAULT_ELIGIBILITY, PARAMETER_GROUPS } from './masks/index.js';
export type { BandOptions, BandResult, MaskEligibility, MaskGranularity, MaskOverlap, MaskShare, MaskSummary, RowLayout, ScoreArray, SelectorScopeOptions } from './masks/index.js';
export { decodeSafetensors, encodeSafetensors, readSafetensors, readSafetensorsFile, writeSafetensors } from './safetensors.js';
export type { SafetensorsDtype, SafetensorsEntry, SafetensorsFile } from './safetensors.js';
