import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pluginContract } from '@allo/core/testing';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { DATASET_LOADER } from '@allo/core';

import {
  assetPath,
  charTokenizer,
  createLogger,
  pairProblems,
  spaceChunked,
  tokenizePair,
} from '@allo/core';
import type { CausalLM, DatasetContext, PreferenceRecord, Tokenizer } from '@allo/core';

import { loadTokenizer } from '@allo/model';

import { JsonlPairsLoader, jsonlPairsPlugin, sharedPrefix } from './index.js';
import type { JsonlPairsOptions } from './index.js';

const ORCA = assetPath('orca-dpo-pairs-validation', 'validation.jsonl');
const ORCA_FIELDS = {
  prompt: 'input.messages',
  chosen: 'preferred_output[0].content',
  rejected: 'non_preferred_output[0].content',
};
const dir = mkdtempSync(path.join(tmpdir(), 'allo-pairs-'));

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

async function load(options: JsonlPairsOptions, tokenizer: Tokenizer = charTokenizer()) {
  const loader = new JsonlPairsLoader(options, dir);
  const records: PreferenceRecord[] = [];
  for await (const r of loader.records(context(tokenizer))) records.push(r as PreferenceRecord);
  return { records, dropped: loader.dropped() };
}

function write(name: string, rows: unknown[]): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n',
  );
  return file;
}

describe('jsonl-pairs on the shipped Orca DPO pairs, by field mapping', () => {
  it('loads 284 rows: prompt = system + user, chosen and rejected from the outputs', async () => {
    const { records, dropped } = await load({ path: ORCA, fields: ORCA_FIELDS });
    expect(records).toHaveLength(284);
    expect(dropped).toEqual({});
    const first = records[0];
    expect(first.id).toBe('validation.jsonl:1');
    expect(first.prompt.split('\n\n').length).toBeGreaterThanOrEqual(2);
    expect(records.every((r) => r.chosen !== r.rejected && r.chosen.length > 0)).toBe(true);
  });

  it.each([
    // Exact ids of the real tok512 encode, word by word (space-chunked.test.ts checks the equality).
    [
      'the real stories260K tok512',
      () => spaceChunked(loadTokenizer(assetPath('stories260K', 'tok512.bin'))),
    ],
    ['a dummy-prefix stand-in', () => charTokenizer({ dummyPrefix: true })],
    ['a stand-in without dummy prefix', () => charTokenizer()],
  ])('holds the tokenisation invariants over every row with %s tokenizer', async (_, make) => {
    const tokenizer = make();
    const { records } = await load({ path: ORCA, fields: ORCA_FIELDS }, tokenizer);
    const problems: string[] = [];
    for (const record of records) {
      const pair = tokenizePair(tokenizer, record, { maxLength: 100_000 });
      if (typeof pair === 'string') problems.push(`${record.id}: dropped ${pair}`);
      else problems.push(...pairProblems(tokenizer, record, pair).map((p) => `${record.id}: ${p}`));
    }
    expect(problems).toEqual([]);
  });
});

describe('row layouts', () => {
  const convo = (reply: string) => [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello' },
    { role: 'user', content: 'Joke?' },
    { role: 'assistant', content: reply },
  ];

  it('reads plain strings from a gzip file', async () => {
    const file = path.join(dir, 'plain.jsonl.gz');
    writeFileSync(
      file,
      gzipSync(`${JSON.stringify({ prompt: 'P', chosen: 'c', rejected: 'r', uid: 9 })}\n`),
    );
    const { records } = await load({ path: 'plain.jsonl.gz', fields: { id: 'uid' } });
    expect(records).toEqual([
      {
        kind: 'preference',
        id: '9',
        prompt: 'P',
        chosen: 'c',
        rejected: 'r',
        source: { file, line: 1 },
      },
    ]);
  });

  it('takes the shared prefix of two conversations as the prompt, rendered with the chat template', async () => {
    write('chat.jsonl', [{ chosen: convo('Knock knock.'), rejected: convo('No.') }]);
    const { records } = await load({ path: 'chat.jsonl' }, charTokenizer({ chatTemplate: true }));
    expect(records[0].prompt).toBe(
      '<|user|>Hi\n<|assistant|>Hello</s><|user|>Joke?\n<|assistant|>',
    );
    expect(records[0].chosen).toBe('Knock knock.</s>');
    expect(records[0].rejected).toBe('No.</s>');

    // The template's EOS ends the turn: it is not doubled.
    const tokenizer = charTokenizer({ chatTemplate: true });
    const pair = tokenizePair(tokenizer, records[0], { maxLength: 512 });
    expect(typeof pair).toBe('object');
    if (typeof pair === 'string') return;
    expect(pair.rejectedIds).toEqual([...'No.'].map((c) => c.codePointAt(0)! + 4).concat([2]));
    expect(pairProblems(tokenizer, records[0], pair)).toEqual([]);
  });

  it('joins message contents in plain mode (and auto without a template)', async () => {
    write('chat2.jsonl', [{ chosen: convo('Knock knock.'), rejected: convo('No.') }]);
    const { records } = await load({ path: 'chat2.jsonl', separator: '\n' });
    expect(records[0].prompt).toBe('Hi\nHello\nJoke?');
    expect(records[0].chosen).toBe('Knock knock.');
    await expect(load({ path: 'chat2.jsonl', chat: 'template' })).rejects.toThrow(
      'options.chat is "template" but the tokenizer has no chat template',
    );
  });

  it('counts conversations that share no prefix as prompts-differ', async () => {
    write('differ.jsonl', [
      { chosen: [{ role: 'user', content: 'a' }], rejected: [{ role: 'user', content: 'b' }] },
    ]);
    expect(await load({ path: 'differ.jsonl' })).toEqual({
      records: [],
      dropped: { 'prompts-differ': 1 },
    });
    expect(
      sharedPrefix([{ role: 'user', content: 'a' }], [{ role: 'user', content: 'a' }]).prompt,
    ).toHaveLength(1);
  });
});

describe('bad input', () => {
  it('fails on the one malformed line with its number; with skip the other rows load and the count says 1', async () => {
    const good = { prompt: 'P', chosen: 'c', rejected: 'r' };
    const file = write('one-bad.jsonl', [good, good, '{"prompt": "P", "chosen": ', good]);
    await expect(load({ path: 'one-bad.jsonl' })).rejects.toThrow(`${file}:3: malformed JSON`);
    const { records, dropped } = await load({ path: 'one-bad.jsonl', onInvalid: 'skip' });
    expect(records.map((r) => r.source!.line)).toEqual([1, 2, 4]);
    expect(dropped).toEqual({ malformed: 1 });
  });

  it('names the missing or non-string field', async () => {
    const file = write('fields.jsonl', [
      { prompt: 'P', chosen: 'c' },
      { prompt: 'P', chosen: 3, rejected: 'r' },
    ]);
    await expect(load({ path: file })).rejects.toThrow(
      `${file}:1: field "rejected": expected a string or a non-empty list of {role, content} messages with string values, got nothing (the field is missing)`,
    );
    const { dropped } = await load({ path: file, onInvalid: 'skip' });
    expect(dropped).toEqual({ malformed: 2 });
  });
});

describe('the plugin declaration', () => {
  it('is a dataset plugin with defaults and no extra properties', () => {
    expect(jsonlPairsPlugin.id).toBe('jsonl-pairs');
    expect(jsonlPairsPlugin.kind).toBe('dataset');
    const props = jsonlPairsPlugin.optionsSchema.properties as Record<
      string,
      { default?: unknown }
    >;
    expect(props.onInvalid.default).toBe('error');
    expect(props.fields.default).toEqual({
      prompt: 'prompt',
      chosen: 'chosen',
      rejected: 'rejected',
    });
    expect(jsonlPairsPlugin.optionsSchema.additionalProperties).toBe(false);
  });
});

describe('registration', () => {
  it('validates its options with defaults and binds a loader under the dataset token', () => {
    const ajv = new Ajv({ formats: { path: true }, useDefaults: true, allErrors: true });
    const validate = ajv.compile(jsonlPairsPlugin.optionsSchema);
    const options: Record<string, unknown> = { path: 'x.jsonl' };
    expect(validate(options)).toBe(true);
    expect(options).toEqual({
      path: 'x.jsonl',
      fields: { prompt: 'prompt', chosen: 'chosen', rejected: 'rejected' },
      chat: 'auto',
      separator: '\n\n',
      onInvalid: 'error',
    });
    expect(validate({ path: 'x.jsonl', pathh: 1 })).toBe(false);
    expect(validate({})).toBe(false);

    const child = container.createChildContainer();
    jsonlPairsPlugin.register(child, options as never, {
      logger: createLogger('test'),
      seed: 0,
      runDir: null,
      configDir: '/',
    });
    expect(child.resolve(DATASET_LOADER)).toBeInstanceOf(JsonlPairsLoader);
  });
});

pluginContract(jsonlPairsPlugin, {
  options: { path: ORCA, fields: ORCA_FIELDS },
  valid: [{ path: 'p.jsonl', chat: 'plain', separator: '\n', fields: { prompt: 'q' } }],
  invalid: [
    { options: { path: 'p.jsonl', chat: 'html' }, path: 'dataset.options.chat' },
    { options: { path: 'p.jsonl', fields: { chosen: '' } }, path: 'dataset.options.fields.chosen' },
  ],
});
