import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { DATASET_LOADER } from '@allo/core';

import {
  AlloError,
  assetPath,
  buildBatch,
  charTokenizer,
  createLogger,
  disposeBatch,
  pairProblems,
  spaceChunked,
  prepareDatasets,
  tokenizePair,
} from '@allo/core';
import type { CausalLM, DatasetContext, PreferenceRecord, Tokenizer } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { pluginContract } from '@allo/core/testing';

import { loadTokenizer } from '@allo/model';

import { HhRlhfLoader, hhRlhfPlugin, splitTranscript } from './index.js';

const HH = assetPath('hh-rlhf-harmless-test', 'test.jsonl.gz');
const dir = mkdtempSync(path.join(tmpdir(), 'allo-hh-'));

beforeAll(useCpuBackend);

function context(tokenizer: Tokenizer): DatasetContext {
  return {
    logger: createLogger('test'),
    seed: 0,
    runDir: null,
    configDir: dir,
    model: {} as CausalLM,
    tokenizer,
  };
}

async function load(
  loader: HhRlhfLoader,
  tokenizer: Tokenizer = charTokenizer(),
): Promise<PreferenceRecord[]> {
  const out: PreferenceRecord[] = [];
  for await (const r of loader.records(context(tokenizer))) out.push(r as PreferenceRecord);
  return out;
}

describe('splitTranscript', () => {
  it('cuts at the last Assistant turn, keeping the marker in the prompt', () => {
    const t = '\n\nHuman: hi\n\nAssistant: hello\n\nHuman: and?\n\nAssistant: bye';
    expect(splitTranscript(t)).toEqual({
      prompt: '\n\nHuman: hi\n\nAssistant: hello\n\nHuman: and?\n\nAssistant:',
      response: ' bye',
    });
    expect(splitTranscript('\n\nHuman: hi')).toBeNull();
  });
});

describe('hh-rlhf on the shipped harmless test split', () => {
  it('reads 2,312 rows, keeps 2,307 and counts the 5 whose prompts differ', async () => {
    const loader = new HhRlhfLoader({ path: HH }, dir);
    const records = await load(loader);
    expect(records).toHaveLength(2307);
    expect(loader.dropped()).toEqual({ 'prompts-differ': 5 });
    expect(records[0].id).toBe('test.jsonl.gz:1');
    expect(records.every((r) => r.prompt.endsWith('\n\nAssistant:'))).toBe(true);
  });

  it.each([
    // Exact ids of the real tok512 encode, word by word (space-chunked.test.ts checks the equality).
    [
      'the real stories260K tok512',
      () => spaceChunked(loadTokenizer(assetPath('stories260K', 'tok512.bin'))),
    ],
    ['a dummy-prefix stand-in', () => charTokenizer({ dummyPrefix: true })],
  ])('holds the tokenisation invariants over every row with %s tokenizer', async (_, make) => {
    const tokenizer = make();
    const records = await load(new HhRlhfLoader({ path: HH }, dir), tokenizer);
    const problems: string[] = [];
    const rows = [];
    const empty: string[] = [];
    for (const record of records) {
      const pair = tokenizePair(tokenizer, record, { maxLength: 100_000 });
      if (typeof pair === 'string') {
        if (pair === 'empty-response') empty.push(record.id);
        else problems.push(`${record.id}: dropped ${pair}`);
        continue;
      }
      problems.push(...pairProblems(tokenizer, record, pair).map((p) => `${record.id}: ${p}`));
      rows.push({ promptIds: pair.promptIds, responseIds: pair.chosenIds });
    }
    expect(problems).toEqual([]);
    // Four rows end with an empty last Assistant reply.
    expect(empty).toHaveLength(4);
    expect(rows).toHaveLength(2303);

    // No prompt id inside the loss mask: the mask of a real batch is 0 over every prompt token.
    const batch = buildBatch(rows.slice(0, 64), tokenizer.padId);
    const mask = batch.lossMask.arraySync();
    disposeBatch(batch);
    rows.slice(0, 64).forEach((row, b) => {
      const P = row.promptIds.length;
      expect(mask[b].slice(0, P).every((v) => v === 0)).toBe(true);
      expect(mask[b].slice(P, P + row.responseIds.length).every((v) => v === 1)).toBe(true);
    });
  });

  it('goes through prepareDatasets with the counts and a seeded split', async () => {
    const prepared = await prepareDatasets({
      loader: new HhRlhfLoader({ path: HH }, dir),
      context: context(loadTokenizer(assetPath('stories260K', 'tok512.bin'))),
      options: { maxLength: 1024, maxPromptLength: 512, eval: 0.1 },
      name: 'hh-rlhf',
    });
    const { dropped, kept } = prepared;
    expect(dropped['prompts-differ']).toBe(5);
    expect(dropped['empty-response']).toBe(4);
    // 10% of the 2,307 loaded rows are held out before tokenising (231), then drops apply.
    expect(kept.train + kept.eval + (dropped['too-long'] ?? 0) + 4).toBe(2307);
    // With tok512 at maxLength 1024: 5 rows have a response longer than 1,023 tokens.
    expect(dropped['too-long']).toBe(5);
    expect(kept.eval).toBeLessThanOrEqual(231);
    expect(kept.eval).toBeGreaterThan(220);
    expect(prepared.lengths.prompt.max).toBeLessThanOrEqual(512);
    expect(prepared.lengths.response.count).toBe(2 * kept.total);
  });
});

describe('bad input', () => {
  it('names file, line and field of a row without a string field; skip counts it', async () => {
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({
          chosen: '\n\nHuman: a\n\nAssistant: b',
          rejected: '\n\nHuman: a\n\nAssistant: c',
        }),
        JSON.stringify({ chosen: '\n\nHuman: a\n\nAssistant: b', rejected: 7 }),
        JSON.stringify({ chosen: '\n\nHuman: a', rejected: '\n\nHuman: a\n\nAssistant: c' }),
      ].join('\n'),
    );
    await expect(load(new HhRlhfLoader({ path: 'bad.jsonl' }, dir))).rejects.toThrow(
      `${file}:2: field "rejected": expected a string, got a number`,
    );
    const loader = new HhRlhfLoader({ path: 'bad.jsonl', onInvalid: 'skip' }, dir);
    expect((await load(loader)).map((r) => r.chosen)).toEqual([' b']);
    expect(loader.dropped()).toEqual({ malformed: 2 });
  });

  it('fails with AlloError DATA_INVALID on a malformed line', async () => {
    const file = path.join(dir, 'broken.jsonl');
    writeFileSync(file, '{"chosen": "x"\n');
    const error = await load(new HhRlhfLoader({ path: file }, dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlloError);
    expect((error as AlloError).code).toBe('DATA_INVALID');
    expect((error as AlloError).path).toBe(`${file}:1`);
  });
});

describe('the plugin declaration', () => {
  it('is a dataset plugin whose schema requires path and forbids unknown options', () => {
    expect(hhRlhfPlugin.id).toBe('hh-rlhf');
    expect(hhRlhfPlugin.kind).toBe('dataset');
    expect(hhRlhfPlugin.optionsSchema.required).toEqual(['path']);
    expect(hhRlhfPlugin.optionsSchema.additionalProperties).toBe(false);
  });
});

describe('registration', () => {
  it('validates its options with defaults and binds a loader under the dataset token', () => {
    const ajv = new Ajv({ formats: { path: true }, useDefaults: true, allErrors: true });
    const validate = ajv.compile(hhRlhfPlugin.optionsSchema);
    const options: Record<string, unknown> = { path: 'x.jsonl' };
    expect(validate(options)).toBe(true);
    expect(options).toEqual({ path: 'x.jsonl', onInvalid: 'error' });
    expect(validate({ path: 'x.jsonl', pathh: 1 })).toBe(false);
    expect(validate({})).toBe(false);

    const child = container.createChildContainer();
    hhRlhfPlugin.register(child, options as never, {
      logger: createLogger('test'),
      seed: 0,
      runDir: null,
      configDir: '/',
    });
    expect(child.resolve(DATASET_LOADER)).toBeInstanceOf(HhRlhfLoader);
  });
});

pluginContract(hhRlhfPlugin, {
  options: { path: HH },
  valid: [{ path: 'data.jsonl', onInvalid: 'skip' }],
  invalid: [
    { options: { path: 'data.jsonl', onInvalid: 'ignore' }, path: 'dataset.options.onInvalid' },
    { options: { path: 3 }, path: 'dataset.options.path' },
  ],
});
