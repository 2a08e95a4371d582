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
