// The `arithmetic` DatasetLoader: generated problems (or a GSM8K-style file, read by the
// self-sampled package's GSM8K source) as ProblemRecords for self-sampling and task accuracy, and
// as SftRecords (prompt + worked solution) for the SFT stage that makes the model able to try.
import { answerIsVerifier } from '@allo/core';
import type {
  DatasetContext,
  DatasetLoader,
  DatasetRecord,
  DropCounts,
  Logger,
  PluginContext,
  ProblemRecord,
  TaskSource,
  Verifier,
} from '@allo/core';
import { Gsm8kSource } from '@allo/dataset-self-sampled';

import { generateProblems, sftRecordOf } from './generate.js';
import type { Carries, Operation } from './generate.js';

export interface ArithmeticOptions {
  source: 'generate' | 'gsm8k';
  /** GSM8K JSONL when source is "gsm8k"; relative to the config file. */
  path: string;
  /** Problems: generated, or the first ones of the file (0 takes the whole file). */
  problems: number;
  operation: Operation;
  carries: Carries;
  /** Which records to emit. */
  records: 'both' | 'problem' | 'sft';
  /** Generation seed, apart from the run's so that a new training seed keeps the problems. */
  seed: number;
  onInvalid: 'error' | 'skip';
}

export const ARITHMETIC_DEFAULTS: ArithmeticOptions = {
  source: 'generate',
  path: '',
  problems: 1000,
  operation: 'add',
  carries: 'any',
  records: 'both',
  seed: 0,
  onInvalid: 'error',
};

/** The verifier of this task: the last "The answer is N" of a sample, commas and signs handled. */
export const arithmeticVerifier: Verifier = answerIsVerifier;

/** The problems of the options as a TaskSource, for the self-sampled loader. */
export class ArithmeticSource implements TaskSource {
  readonly id: string;
  private readonly gsm8k: Gsm8kSource | null;

  constructor(
    private readonly options: ArithmeticOptions,
    configDir: string,
    logger?: Logger,
  ) {
    this.id =
      options.source === 'gsm8k' ? 'gsm8k' : `arithmetic-${options.operation}-${options.carries}`;
    this.gsm8k =
      options.source === 'gsm8k'
        ? new Gsm8kSource({ path: options.path, onInvalid: options.onInvalid }, configDir, logger)
        : null;
  }

  dropped(): DropCounts {
    return this.gsm8k?.dropped() ?? {};
  }

  async *problems(): AsyncGenerator<ProblemRecord> {
    if (this.gsm8k === null) {
      const { problems, operation, carries, seed } = this.options;
      yield* generateProblems({ count: problems, operation, carries, seed });
      return;
    }
    let n = 0;
    for await (const problem of this.gsm8k.problems()) {
      yield problem;
      n += 1;
      if (this.options.problems > 0 && n >= this.options.problems) return;
    }
  }
}

export class ArithmeticLoader implements DatasetLoader {
  readonly source: ArithmeticSource;

  constructor(
    private readonly options: ArithmeticOptions,
    context: Pick<PluginContext, 'configDir' | 'logger'>,
  ) {
    this.source = new ArithmeticSource(options, context.configDir, context.logger);
  }

  dropped(): DropCounts {
    return this.source.dropped();
  }

  async *records(_context?: DatasetContext): AsyncGenerator<DatasetRecord> {
    const { records } = this.options;
    for await (const problem of this.source.problems()) {
      if (records !== 'sft') yield problem;
      if (records !== 'problem') yield sftRecordOf(problem);
    }
  }
}
