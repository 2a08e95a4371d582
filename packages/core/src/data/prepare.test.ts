import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

import type { DatasetContext, DatasetLoader } from '../extension-points.js';
import { createLogger } from '../logger.js';
import type { CausalLM, DatasetRecord, DropCounts } from '../types.js';
import { charTokenizer } from './char-tokenizer.js';
import { DATA_DEFAULTS, dataOptionsSchema } from './options.js';
import { lengthStats, prepareDatasets } from './prepare.js';

function memoryLoader(
  records: DatasetRecord[],
  drops: DropCounts = {},
): DatasetLoader & { read: number } {
  const loader = {
    read: 0,
    async *records() {
      for (const r of records) {
        loader.read += 1;
        yield r;
      }
    },
    dropped: () => drops,
  };
  return loader;
}

const context: DatasetContext = {
  logger: createLogger('test'),
  seed: 0,
  runDir: null,
  configDir: '.',
  model: {} as CausalLM,
  tokenizer: charTokenizer(),
};

const pair = (i: number, chosen = `yes${i}`, rejected = `no${i}`): DatasetRecord => ({
  kind: 'preference',
  id: `p${i}`,
  prompt: `Q${i}?`,
  chosen,
  rejected,
});

describe('prepareDatasets', () => {
  it('splits, tokenises, merges the loader drops with the tokenisation drops, and measures lengths', async () => {
    const records = [
      ...Array.from({ length: 10 }, (_, i) => pair(i)),
      pair(10, 'same', 'same'),
      pair(11, '', 'x'),
      pair(12, 'y'.repeat(40), 'n'),
      { kind: 'rejected', id: 'r1', prompt: 'Q1?', rejected: 'bad' } as DatasetRecord,
    ];
    const prepared = await prepareDatasets({
      loader: memoryLoader(records, { malformed: 2, 'prompts-differ': 1 }),
      context,
      options: { maxLength: 20, eval: 2, splitSeed: 3 },
    });
    expect(prepared.dropped).toEqual({
      malformed: 2,
      'prompts-differ': 1,
      'chosen-equals-rejected': 1,
      'empty-response': 1,
      'too-long': 1,
    });
    expect(prepared.kept.train + prepared.kept.eval).toBe(10);
    expect(prepared.eval.length).toBeLessThanOrEqual(2);
    // Q0? .. Q9? are BOS + 3 chars; yes0 + EOS = 5, no0 + EOS = 4 tokens.
    const p = prepared.train[0];
    expect(p.promptIds).toHaveLength(4);
    expect(prepared.lengths.prompt.max).toBe(4);
    expect(prepared.lengths.response.min).toBe(4);
    expect(prepared.lengths.response.max).toBe(5);
    const rejectedInTrain = prepared.rejected.length;
    expect(rejectedInTrain + prepared.kept.eval + prepared.kept.train).toBe(prepared.kept.total);
  });

  it('is the same for the same split seed, whatever the run seed', async () => {
    const records = Array.from({ length: 30 }, (_, i) => pair(i));
    const a = await prepareDatasets({
      loader: memoryLoader(records),
      context,
      options: { eval: 0.2 },
    });
    const b = await prepareDatasets({
      loader: memoryLoader(records),
      context: { ...context, seed: 99 },
      options: { eval: 0.2 },
    });
    expect(a.eval.map((x) => x.id)).toEqual(b.eval.map((x) => x.id));
    expect(a.eval).toHaveLength(6);
    const c = await prepareDatasets({
      loader: memoryLoader(records),
      context,
      options: { eval: 0.2, splitSeed: 5 },
    });
    expect(c.eval.map((x) => x.id)).not.toEqual(a.eval.map((x) => x.id));
  });

  it('stops reading at the limit, and takes eval from a separate loader when given', async () => {
    const loader = memoryLoader(Array.from({ length: 30 }, (_, i) => pair(i)));
    const prepared = await prepareDatasets({
      loader,
      evalLoader: memoryLoader([pair(100), pair(101)]),
      context,
      options: { limit: 12, validation: 2 },
    });
    expect(loader.read).toBe(12);
    expect(prepared.kept).toEqual({
      total: 14,
      train: 10,
      validation: 2,
      eval: 2,
      rejected: 0,
      sft: 0,
    });
    expect(prepared.eval.map((x) => x.id)).toEqual(['p100', 'p101']);
  });

  it('fails with DATA_EMPTY when nothing is usable', async () => {
    await expect(
      prepareDatasets({
        loader: memoryLoader([pair(1, 'a', 'a')]),
        context,
        options: { eval: 0 },
        name: 'tiny',
      }),
    ).rejects.toMatchObject({
      code: 'DATA_EMPTY',
      message:
        'tiny: no usable row out of 1 read (dropped: chosen-equals-rejected 1); check the dataset path and data.maxLength',
    });
  });
});

describe('lengthStats', () => {
  it('computes min, mean, median and max', () => {
    expect(lengthStats([4, 1, 3, 2])).toEqual({ count: 4, min: 1, mean: 2.5, median: 2.5, max: 4 });
    expect(lengthStats([5])).toEqual({ count: 1, min: 5, mean: 5, median: 5, max: 5 });
    expect(lengthStats([])).toEqual({ count: 0, min: 0, mean: 0, median: 0, max: 0 });
  });
});

describe('dataOptionsSchema', () => {
  it('fills the defaults and rejects unknown keys and bad values', () => {
    const ajv = new Ajv({ useDefaults: true, allErrors: true });
    // As the core config embeds it: under the top-level key `data`, which may be left out.
    const validate = ajv.compile({ type: 'object', properties: { data: dataOptionsSchema } });
    const filled: Record<string, unknown> = {};
    expect(validate(filled)).toBe(true);
    expect(filled).toEqual({ data: DATA_DEFAULTS });
    expect(validate({ data: { maxLenght: 3 } })).toBe(false);
    expect(validate({ data: { eval: -1 } })).toBe(false);
    expect(validate({ data: { maxLength: 1.5 } })).toBe(false);
  });
});
