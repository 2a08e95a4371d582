// Streams a dataset, splits it, tokenises every row through the one path, and reports what was
// kept, what was dropped and why, and the lengths in tokens. The `allo data` command and every
// training run start here.
import { errors } from '../errors.js';
import type { DatasetContext, DatasetLoader } from '../extension-points.js';
import type {
  DatasetRecord,
  DropCounts,
  ProblemRecord,
  TokenizedPair,
  TokenizedResponse,
} from '../types.js';
import { countDrop, mergeDropCounts, totalDropped } from './drops.js';
import { resolveDataOptions } from './options.js';
import type { DataOptions } from './options.js';
import { spaceChunked } from './space-chunked.js';
import { splitRecords } from './split.js';
import { tokenizePair, tokenizeResponse } from './tokenize.js';
import type { TokenizeOptions } from './tokenize.js';

export interface PrepareInput {
  loader: DatasetLoader;
  context: DatasetContext;
  options?: Partial<DataOptions>;
  /** A separate eval dataset (its own file): then data.eval holds nothing out of `loader`. */
  evalLoader?: DatasetLoader;
  /** The dataset's name in log lines and errors (its plugin id). */
  name?: string;
}

export interface LengthStats {
  count: number;
  min: number;
  mean: number;
  median: number;
  max: number;
}

export interface PreparedData {
  train: TokenizedPair[];
  validation: TokenizedPair[];
  eval: TokenizedPair[];
  /** Rejected responses alone (the forgetting stage's input), from the train split. */
  rejected: TokenizedResponse[];
  /** SFT targets, from the train split. */
  sft: TokenizedResponse[];
  /** Problems with reference answers (task accuracy), unsplit and untokenised. */
  problems: ProblemRecord[];
  /** The loaders' drops and the tokenisation's, by reason. */
  dropped: DropCounts;
  /** Prompt lengths per kept row; response lengths per kept response (chosen and rejected). */
  lengths: { prompt: LengthStats; response: LengthStats };
  kept: {
    total: number;
    train: number;
    validation: number;
    eval: number;
    rejected: number;
    sft: number;
  };
}

/** min / mean / median / max of a list of lengths (all 0 for an empty list). */
export function lengthStats(values: readonly number[]): LengthStats {
  if (values.length === 0) return { count: 0, min: 0, mean: 0, median: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / n;
  return { count: n, min: sorted[0], mean, median, max: sorted[n - 1] };
}

async function collect(
  loader: DatasetLoader,
  context: DatasetContext,
  limit: number,
): Promise<DatasetRecord[]> {
  const records: DatasetRecord[] = [];
  if (limit > 0) {
    for await (const record of loader.records(context)) {
      records.push(record);
      if (records.length >= limit) break;
    }
    return records;
  }
  for await (const record of loader.records(context)) records.push(record);
  return records;
}

function groupOf(record: DatasetRecord): string {
  const group = record.meta?.group;
  return typeof group === 'string' ? group : record.id;
}

function pairsOf(
  records: readonly DatasetRecord[],
  tokenize: (r: DatasetRecord) => TokenizedPair | null,
) {
  const out: TokenizedPair[] = [];
  for (const record of records) {
    if (record.kind !== 'preference') continue;
    const pair = tokenize(record);
    if (pair !== null) out.push(pair);
  }
  return out;
}

export async function prepareDatasets(input: PrepareInput): Promise<PreparedData> {
  const options = resolveDataOptions(input.options);
  const { context } = input;
  const name = input.name ?? 'dataset';
  const tokenizeOptions: TokenizeOptions = {
    maxLength: options.maxLength,
    maxPromptLength: options.maxPromptLength,
  };
  const drops: DropCounts = {};

  const records = await collect(input.loader, context, options.limit);
  const splits = splitRecords(records, {
    eval: input.evalLoader === undefined ? options.eval : 0,
    validation: options.validation,
    seed: options.splitSeed,
    groupOf,
  });
  if (input.evalLoader !== undefined) splits.eval = await collect(input.evalLoader, context, 0);

  // Same ids as context.tokenizer, faster where that is provably so (see space-chunked.ts).
  const tokenizer = spaceChunked(context.tokenizer);
  const pair = (record: DatasetRecord): TokenizedPair | null => {
    if (record.kind !== 'preference') return null;
    const result = tokenizePair(tokenizer, record, tokenizeOptions);
    if (typeof result === 'string') {
      countDrop(drops, result);
      return null;
    }
    return result;
  };
  const response = (id: string, prompt: string, text: string): TokenizedResponse | null => {
    const result = tokenizeResponse(tokenizer, { id, prompt, response: text }, tokenizeOptions);
    if (typeof result === 'string') {
      countDrop(drops, result);
      return null;
    }
    return result;
  };

  const train = pairsOf(splits.train, pair);
  const validation = pairsOf(splits.validation, pair);
  const evalPairs = pairsOf(splits.eval, pair);
  const rejected: TokenizedResponse[] = [];
  const sft: TokenizedResponse[] = [];
  for (const record of splits.train) {
    if (record.kind === 'rejected') {
      const r = response(record.id, record.prompt, record.rejected);
      if (r !== null) rejected.push(r);
    } else if (record.kind === 'sft') {
      const r = response(record.id, record.prompt, record.response);
      if (r !== null) sft.push(r);
    }
  }
  const problems = records.filter((r): r is ProblemRecord => r.kind === 'problem');

  const dropped = mergeDropCounts(input.loader.dropped(), input.evalLoader?.dropped() ?? {}, drops);
  const allPairs = [...train, ...validation, ...evalPairs];
  const responses = [...rejected, ...sft];
  const lengths = {
    prompt: lengthStats([...allPairs, ...responses].map((p) => p.promptIds.length)),
    response: lengthStats([
      ...allPairs.flatMap((p) => [p.chosenIds.length, p.rejectedIds.length]),
      ...responses.map((r) => r.responseIds.length),
    ]),
  };
  const kept = {
    total: allPairs.length + responses.length,
    train: train.length,
    validation: validation.length,
    eval: evalPairs.length,
    rejected: rejected.length,
    sft: sft.length,
  };

  const dropText = Object.entries(dropped)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  if (kept.total === 0 && problems.length === 0) {
    throw errors.dataEmpty(
      `${name}: no usable row out of ${records.length} read (dropped: ${dropText || 'none'}); check the dataset path and data.maxLength`,
    );
  }
  context.logger.info(
    `${name}: kept ${kept.total} (train ${kept.train}, validation ${kept.validation}, eval ${kept.eval}, rejected ${kept.rejected}, sft ${kept.sft}); dropped ${totalDropped(dropped)}${dropText ? ` (${dropText})` : ''}`,
  );
  return { train, validation, eval: evalPairs, rejected, sft, problems, dropped, lengths, kept };
}
