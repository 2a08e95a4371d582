import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { container } from 'tsyringe';
import { DATASET_LOADER } from '@allo/core';

import { answerIsVerifier, assetPath, createLogger, prepareDatasets } from '@allo/core';
import type {
  CausalLM,
  DatasetContext,
  DatasetRecord,
  ProblemRecord,
  TaskSource,
  Verifier,
} from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { pluginContract } from '@allo/core/testing';

import { loadLlama2cModel, loadTokenizer } from '@allo/model';

import {
  SelfSampledLoader,
  buildRecords,
  problemSeed,
  selfSample,
  selfSampledPlugin,
} from './index.js';
import type { SampleOptions } from './index.js';

beforeAll(useCpuBackend);

const problem = (id: string, prompt: string, answer: string): ProblemRecord => ({
  kind: 'problem',
  id,
  prompt,
  answer,
});

describe('buildRecords', () => {
  const responses = [
    'So 3+4 is 7. The answer is 7.',
    'The answer is 7',
    'The answer is 8.',
    'The answer is 9.',
    'So 3+4 is 7. The answer is 7.',
    'no idea',
    'The answer is 1,0',
  ];

  it('pairs every correct with every wrong response up to the cap, and keeps the wrong ones alone', () => {
    const built = buildRecords(
      problem('q1', '3+4?', '7'),
      'Q: 3+4?',
      responses,
      answerIsVerifier,
      { maxPairsPerPrompt: 5, includeRejected: true },
      11,
    );
    // 2 distinct correct x 4 distinct wrong = 8 pairs, capped at 5.
    expect(built.correct).toBe(3);
    expect(built.pairs).toHaveLength(5);
    expect(built.rejected.map((r) => r.rejected)).toEqual([
      'The answer is 8.',
      'The answer is 9.',
      'no idea',
      'The answer is 1,0',
    ]);
    for (const pair of built.pairs) {
      expect(answerIsVerifier.isCorrect(pair.chosen, '7')).toBe(true);
      expect(answerIsVerifier.isCorrect(pair.rejected, '7')).toBe(false);
      expect(pair.prompt).toBe('Q: 3+4?');
      expect(pair.meta).toEqual({ group: 'q1', answer: '7' });
    }
    expect(new Set(built.pairs.map((p) => `${p.chosen}|${p.rejected}`)).size).toBe(5);
    const again = buildRecords(
      problem('q1', '3+4?', '7'),
      'Q: 3+4?',
      responses,
      answerIsVerifier,
      { maxPairsPerPrompt: 5, includeRejected: true },
      11,
    );
    expect(again).toEqual(built);
  });

  it('keeps every pair under the cap and none when all responses agree', () => {
    const all = buildRecords(
      problem('q', '', '7'),
      'p',
      responses.slice(0, 3),
      answerIsVerifier,
      { maxPairsPerPrompt: 5, includeRejected: false },
      1,
    );
    expect(all.pairs.map((p) => [p.chosen, p.rejected])).toEqual([
      ['So 3+4 is 7. The answer is 7.', 'The answer is 8.'],
      ['The answer is 7', 'The answer is 8.'],
    ]);
    expect(all.rejected).toEqual([]);
    expect(
      buildRecords(
        problem('q', '', '7'),
        'p',
        ['The answer is 7'],
        answerIsVerifier,
        { maxPairsPerPrompt: 5, includeRejected: true },
        1,
      ).pairs,
    ).toEqual([]);
  });

  it('mixes seeds per problem', () => {
    expect(problemSeed(1, 0)).not.toBe(problemSeed(1, 1));
    expect(problemSeed(1, 0)).not.toBe(problemSeed(2, 0));
    expect(problemSeed(1, 0)).toBe(problemSeed(1, 0));
  });
});

describe('self-sampling from stories260K with a toy verifier', () => {
  const model = loadLlama2cModel(assetPath('stories260K', 'stories260K.bin'));
  const tokenizer = loadTokenizer(assetPath('stories260K', 'tok512.bin'));
  // Toy task: a story is "correct" when it mentions a girl.
  const toy: Verifier = {
    id: 'toy-girl',
    extract: (response) => (/\bgirl\b/.test(response) ? 'girl' : 'other'),
    isCorrect: (response, answer) => (/\bgirl\b/.test(response) ? 'girl' : 'other') === answer,
  };
  const problems = [
    problem('s1', 'Once upon a time', 'girl'),
    problem('s2', 'One day, a little', 'girl'),
    problem('s3', 'There was a', 'girl'),
  ];
  const options: SampleOptions = {
    k: 8,
    temperature: 1,
    topP: 0.95,
    maxNewTokens: 16,
    seed: 7,
    maxPairsPerPrompt: 5,
    promptTemplate: '{question}',
    includeRejected: true,
  };
  const run = async (o: SampleOptions, only = problems) => {
    const out: DatasetRecord[] = [];
    for await (const r of selfSample(only, toy, { model, tokenizer }, o)) out.push(r);
    return out;
  };

  it('produces pairs within the 5-pair cap, reproducibly from its seed, without leaking tensors', async () => {
    const first = await run(options);

    const pairs = first.filter((r) => r.kind === 'preference');
    expect(pairs.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(pairs.filter((r) => r.meta?.group === p.id).length).toBeLessThanOrEqual(5);
    }
    expect(
      pairs.some(
        (r) =>
          first.filter((x) => x.kind === 'preference' && x.meta?.group === r.meta?.group).length ===
          5,
      ),
    ).toBe(true);
    for (const pair of pairs) {
      if (pair.kind !== 'preference') continue;
      expect(toy.isCorrect(pair.chosen, 'girl')).toBe(true);
      expect(toy.isCorrect(pair.rejected, 'girl')).toBe(false);
    }
    expect(first.some((r) => r.kind === 'rejected')).toBe(true);

    // The model builds its lazy constants on the first generate call; later runs stay flat.
    const before = tf.memory().numTensors;
    expect(await run(options)).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
    const firstOfS1 = first.filter((r) => r.meta?.group === 's1');
    expect(await run({ ...options, seed: 8 }, problems.slice(0, 1))).not.toEqual(firstOfS1);
  });

  it('caches the records in the run directory and reuses them', async () => {
    const runDir = mkdtempSync(path.join(tmpdir(), 'allo-run-'));
    const source: TaskSource = {
      id: 'toy',
      async *problems() {
        yield* problems;
      },
      dropped: () => ({}),
    };
    const setup = {
      source,
      verifier: toy,
      sampling: { ...options, seed: null },
      problems: 2,
      cache: true,
    };
    const context: DatasetContext = {
      logger: createLogger('test'),
      seed: 7,
      runDir,
      configDir: runDir,
      model,
      tokenizer,
    };
    const loader = new SelfSampledLoader(setup);
    const first: DatasetRecord[] = [];
    for await (const r of loader.records(context)) first.push(r);
    expect(loader.stats.problems).toBe(2);
    expect(loader.cacheFile).toMatch(/cache[/\\]self-sampled-[0-9a-f]{16}\.jsonl$/);
    expect(existsSync(loader.cacheFile!)).toBe(true);
    expect(readFileSync(loader.cacheFile!, 'utf8').trim().split('\n')).toHaveLength(first.length);

    // A policy that cannot sample: the second load must come from the cache.
    const frozen = Object.create(model) as CausalLM;
    frozen.generate = () => {
      throw new Error('sampled again instead of reading the cache');
    };
    const second = new SelfSampledLoader(setup);
    const again: DatasetRecord[] = [];
    for await (const r of second.records({ ...context, model: frozen })) again.push(r);
    expect(again).toEqual(first);
    expect(second.stats.problems).toBe(0);

    // The pairs and rejected responses of one problem go to one split.
    const prepared = await prepareDatasets({
      loader: new SelfSampledLoader(setup),
      context,
      options: { eval: 1, maxLength: 128 },
    });
    expect(prepared.kept.eval + prepared.kept.train).toBe(
      first.filter((r) => r.kind === 'preference').length,
    );
    const evalGroups = new Set(prepared.eval.map((p) => p.id.split('#')[0]));
    expect(prepared.rejected.some((r) => evalGroups.has(r.id.split('#')[0]))).toBe(false);
  });
});

describe('registration', () => {
  it('validates its options with defaults and binds a loader under the dataset token', () => {
    const ajv = new Ajv({ formats: { path: true }, useDefaults: true, allErrors: true });
    const validate = ajv.compile(selfSampledPlugin.optionsSchema);
    const options: Record<string, unknown> = { path: 'x.jsonl' };
    expect(validate(options)).toBe(true);
    expect(options).toEqual({
      path: 'x.jsonl',
      task: 'gsm8k',
      verifier: 'answer-is',
      k: 8,
      temperature: 0.8,
      topP: 0.95,
      maxNewTokens: 256,
      seed: null,
      maxPairsPerPrompt: 5,
      promptTemplate: 'Question: {question}\nAnswer:',
      problems: 0,
      includeRejected: true,
      cache: true,
      onInvalid: 'error',
    });
    expect(validate({ path: 'x.jsonl', pathh: 1 })).toBe(false);
    expect(validate({})).toBe(false);

    const child = container.createChildContainer();
    selfSampledPlugin.register(child, options as never, {
      logger: createLogger('test'),
      seed: 0,
      runDir: null,
      configDir: '/',
    });
    expect(child.resolve(DATASET_LOADER)).toBeInstanceOf(SelfSampledLoader);
  });
});

describe('the registered plugin on GSM8K with stories260K', () => {
  it('samples k responses per problem, finds no correct answer from a story model, and keeps the wrong ones', async () => {
    const model = loadLlama2cModel(assetPath('stories260K', 'stories260K.bin'));
    const tokenizer = loadTokenizer(assetPath('stories260K', 'tok512.bin'));
    const child = container.createChildContainer();
    const base = {
      logger: createLogger('test'),
      seed: 3,
      runDir: null,
      configDir: assetPath('gsm8k'),
    };
    selfSampledPlugin.register(
      child,
      { path: 'test.jsonl', problems: 1, k: 2, maxNewTokens: 4, cache: false } as never,
      base,
    );
    const loader = child.resolve(DATASET_LOADER) as SelfSampledLoader;
    const records: DatasetRecord[] = [];
    for await (const r of loader.records({ ...base, model, tokenizer })) records.push(r);
    expect(loader.stats).toMatchObject({ problems: 1, samples: 2, correct: 0, pairs: 0 });
    expect(records.every((r) => r.kind === 'rejected')).toBe(true);
    expect(records.length).toBe(loader.stats.rejected);
    expect(records[0].prompt.startsWith('Question: Janet\u2019s ducks lay 16 eggs per day.')).toBe(
      true,
    );
    expect(records[0].prompt.endsWith('\nAnswer:')).toBe(true);
    expect(records[0].meta).toEqual({ group: 'test.jsonl:1', answer: '18' });
  });
});

pluginContract(selfSampledPlugin, {
  options: { path: assetPath('gsm8k', 'test.jsonl') },
  valid: [{ path: 'g.jsonl', k: 4, temperature: 0, seed: 3, problems: 10, cache: false }],
  invalid: [
    { options: { path: 'g.jsonl', k: 1 }, path: 'dataset.options.k' },
    { options: { path: 'g.jsonl', topP: 0 }, path: 'dataset.options.topP' },
    { options: { path: 'g.jsonl', verifier: 'regex' }, path: 'dataset.options.verifier' },
  ],
});
