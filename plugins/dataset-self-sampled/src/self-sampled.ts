// The `self-sampled` DatasetLoader: problems from a task source, k samples each from the policy
// (DatasetContext.model), labelled by a verifier and paired (see sample.ts). The records are
// cached as JSONL in the run directory, `<runDir>/cache/self-sampled-<fingerprint>.jsonl`, keyed
// by the options, the problems and the policy's weights, and reused when the same run asks again.
import { existsSync } from 'node:fs';
import path from 'node:path';

import { errors, readJsonl, writeFileAtomic } from '@allo/core';
import type {
  DatasetContext,
  DatasetLoader,
  DatasetRecord,
  DropCounts,
  PreferenceRecord,
  ProblemRecord,
  RejectedRecord,
  TaskSource,
  Verifier,
} from '@allo/core';

import { fingerprint, selfSample } from './sample.js';
import type { SampleOptions, SampleStats } from './sample.js';

export interface SelfSampledSetup {
  source: TaskSource;
  verifier: Verifier;
  /** Sampling options; `seed` null takes the run's seed. */
  sampling: Omit<SampleOptions, 'seed'> & { seed: number | null };
  /** Problems sampled, in file order; 0 takes all. */
  problems: number;
  /** Read and write the run directory's cache. */
  cache: boolean;
}

function cachedRecord(
  value: unknown,
  file: string,
  line: number,
): PreferenceRecord | RejectedRecord {
  const v = value as Record<string, unknown>;
  const strings =
    v.kind === 'preference' ? ['id', 'prompt', 'chosen', 'rejected'] : ['id', 'prompt', 'rejected'];
  if (
    (v.kind !== 'preference' && v.kind !== 'rejected') ||
    strings.some((k) => typeof v[k] !== 'string')
  ) {
    throw errors.dataInvalid(
      file,
      line,
      'not a self-sampled cache record (kind "preference" or "rejected" with string fields); delete the cache file to sample again',
    );
  }
  return v as unknown as PreferenceRecord | RejectedRecord;
}

export class SelfSampledLoader implements DatasetLoader {
  /** What the last sampling produced (zero when the cache was used). */
  readonly stats: SampleStats = {
    problems: 0,
    samples: 0,
    correct: 0,
    withPairs: 0,
    pairs: 0,
    rejected: 0,
  };
  /** The cache file the last `records` call read or wrote, or null. */
  cacheFile: string | null = null;

  constructor(private readonly setup: SelfSampledSetup) {}

  dropped(): DropCounts {
    return this.setup.source.dropped();
  }

  async *records(context: DatasetContext): AsyncGenerator<DatasetRecord> {
    Object.assign(this.stats, {
      problems: 0,
      samples: 0,
      correct: 0,
      withPairs: 0,
      pairs: 0,
      rejected: 0,
    });
    const logger = context.logger;
    const problems: ProblemRecord[] = [];
    for await (const problem of this.setup.source.problems(context)) {
      problems.push(problem);
      if (this.setup.problems > 0 && problems.length >= this.setup.problems) break;
    }
    const sampling: SampleOptions = {
      ...this.setup.sampling,
      seed: this.setup.sampling.seed ?? context.seed,
    };

    this.cacheFile = null;
    if (!this.setup.cache || context.runDir === null) {
      yield* selfSample(problems, this.setup.verifier, { ...context }, sampling, this.stats);
      this.report(logger);
      return;
    }

    const key = fingerprint({
      options: sampling,
      verifier: this.setup.verifier.id,
      problems,
      model: context.model,
    });
    const file = path.join(context.runDir, 'cache', `self-sampled-${key}.jsonl`);
    this.cacheFile = file;
    if (existsSync(file)) {
      logger.info(`self-sampled: reusing ${file}`);
      for await (const { line, value } of readJsonl(file)) yield cachedRecord(value, file, line);
      return;
    }
    const records: DatasetRecord[] = [];
    for await (const record of selfSample(
      problems,
      this.setup.verifier,
      { ...context },
      sampling,
      this.stats,
    )) {
      records.push(record);
    }
    await writeFileAtomic(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.report(logger);
    yield* records;
  }

  private report(logger: DatasetContext['logger']): void {
    const s = this.stats;
    logger.info(
      `self-sampled: ${s.problems} problems, ${s.samples} samples (${s.correct} correct), ${s.pairs} pairs from ${s.withPairs} problems, ${s.rejected} rejected responses`,
    );
  }
}
