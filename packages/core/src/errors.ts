// Errors are data: a stable code, a message, and where it happened. Every code and its factory
// live in this one file; tests assert the code first.

export const ERROR_CODES = {
  CONFIG_INVALID: 'config to validate against the schema',
  CONFIG_UNREADABLE: 'a config file that could not be read or parsed',
  PLUGIN_NOT_FOUND: 'a plugin id or package that does not resolve',
  PLUGIN_INVALID: 'a module that does not export a valid plugin declaration',
  PLUGIN_DUPLICATE: 'two plugins with one id and kind',
  PLUGIN_NOT_CONFIGURED: 'a slot that was resolved before it was registered',
  MODEL_INVALID: 'a checkpoint, config or tokenizer that does not match what was expected',
  MODEL_UNSUPPORTED: 'an architecture or format this version does not support',
  DATA_INVALID: 'a dataset row or file that is malformed',
  DATA_EMPTY: 'a dataset with no usable row',
  BACKEND_UNAVAILABLE: 'a backend that cannot start here',
  TRAINING_FAILED: 'a failure while a stage runs (non-finite loss, shape mismatch)',
  RUN_INTERRUPTED: 'a run stopped by a signal',
  USAGE: 'a command line that is not understood',
  IO: 'a file that could not be written or read',
  MASK_INVALID: 'a parameter mask, or a selector or scorer input, that does not match the model',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AlloErrorDetails {
  /** Config path (`stages.forgetting.neuronSelector.options.ratio`) or file:line. */
  path?: string;
  /** The plugin involved, by id or package name. */
  plugin?: string;
  /** Further issues, when one error reports many (config validation). */
  issues?: ConfigIssue[];
  cause?: unknown;
}

/** One problem in a config: where, what is wrong, what was expected, what arrived. */
export interface ConfigIssue {
  path: string;
  message: string;
  expected?: string;
  got?: string;
  suggestion?: string;
}

export class AlloError extends Error {
  readonly code: ErrorCode;
  readonly path?: string;
  readonly plugin?: string;
  readonly issues: ConfigIssue[];

  constructor(code: ErrorCode, message: string, details: AlloErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AlloError';
    this.code = code;
    this.path = details.path;
    this.plugin = details.plugin;
    this.issues = details.issues ?? [];
  }
}

export function isAlloError(error: unknown, code?: ErrorCode): error is AlloError {
  return error instanceof AlloError && (code === undefined || error.code === code);
}

export function formatIssue(issue: ConfigIssue): string {
  let text = `${issue.path || '(root)'}: ${issue.message}`;
  if (issue.got !== undefined) text += `, got ${issue.got}`;
  if (issue.suggestion !== undefined) text += `; did you mean "${issue.suggestion}"?`;
  return text;
}

// ----- factories ---------------------------------------------------------------------------

export const errors = {
  configInvalid(file: string, issues: ConfigIssue[]): AlloError {
    const lines = issues.map((issue) => `  ${formatIssue(issue)}`).join('\n');
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    return new AlloError('CONFIG_INVALID', `${file}: ${count} in the config:\n${lines}`, {
      path: issues[0]?.path,
      issues,
    });
  },

  configUnreadable(file: string, reason: string, cause?: unknown): AlloError {
    return new AlloError('CONFIG_UNREADABLE', `${file}: cannot read the config: ${reason}`, {
      path: file,
      cause,
    });
  },

  pluginNotFound(specifier: string, path: string, detail: string, suggestion?: string): AlloError {
    const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
    return new AlloError('PLUGIN_NOT_FOUND', `${path}: plugin "${specifier}" not found: ${detail}${hint}`, {
      path,
      plugin: specifier,
    });
  },

  pluginInvalid(specifier: string, problem: string): AlloError {
    return new AlloError(
      'PLUGIN_INVALID',
      `plugin module "${specifier}" is not a valid allo plugin: ${problem}; a plugin module exports a declaration made with definePlugin({ id, kind, version, optionsSchema, register })`,
      { plugin: specifier },
    );
  },

  pluginDuplicate(kind: string, id: string, first: string, second: string): AlloError {
    return new AlloError(
      'PLUGIN_DUPLICATE',
      `two ${kind} plugins have the id "${id}": "${first}" and "${second}"; remove one from the config's plugins list or rename its id`,
      { plugin: id },
    );
  },

  pluginNotConfigured(kind: string): AlloError {
    return new AlloError('PLUGIN_NOT_CONFIGURED', `no ${kind} plugin is registered in this run's container`, {});
  },

  modelInvalid(file: string, what: string): AlloError {
    return new AlloError('MODEL_INVALID', `${file}: ${what}`, { path: file });
  },

  modelUnsupported(file: string, what: string): AlloError {
    return new AlloError('MODEL_UNSUPPORTED', `${file}: ${what}`, { path: file });
  },

  dataInvalid(file: string, line: number | null, what: string): AlloError {
    const where = line === null ? file : `${file}:${line}`;
    return new AlloError('DATA_INVALID', `${where}: ${what}`, { path: where });
  },

  dataEmpty(what: string): AlloError {
    return new AlloError('DATA_EMPTY', what, {});
  },

  backendUnavailable(id: string, reason: string): AlloError {
    return new AlloError('BACKEND_UNAVAILABLE', `backend "${id}" cannot start: ${reason}`, { plugin: id });
  },

  trainingFailed(stage: string, what: string, cause?: unknown): AlloError {
    return new AlloError('TRAINING_FAILED', `stage "${stage}": ${what}`, { path: stage, cause });
  },

  interrupted(signal: string): AlloError {
    return new AlloError('RUN_INTERRUPTED', `run interrupted by ${signal}`, {});
  },

  usage(what: string): AlloError {
    return new AlloError('USAGE', what, {});
  },

  io(file: string, what: string, cause?: unknown): AlloError {
    return new AlloError('IO', `${file}: ${what}`, { path: file, cause });
  },

  maskInvalid(where: string, what: string, plugin?: string): AlloError {
    return new AlloError('MASK_INVALID', `${where}: ${what}`, { path: where, plugin });
  },
};
