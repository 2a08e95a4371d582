import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { charTokenizer } from '../data/char-tokenizer.js';
import { isAlloError } from '../errors.js';
import type { AlloError } from '../errors.js';
import { answerIsVerifier } from '../data/task.js';
import { encodePrompt, encodeResponse } from '../data/tokenize.js';
import type { CausalLM, GenerateOptions, GenerateResult, ProblemRecord } from '../types.js';
import { useCpuBackend } from '../testing/index.js';
import { createTinyLM, tinyTokenizer } from '../train/tiny-lm.js';
import { answerTokenBudget, binomialStderr, taskAccuracy } from './task-accuracy.js';

const tokenizer = charTokenizer();

beforeAll(useCpuBackend);

function problem(prompt: string, answer: string, solution?: string): ProblemRecord {
  return { kind: 'problem', id: prompt, prompt, answer, solution };
}

/**
 * A stand-in model with known outputs: `replies(prompt, row, seed)` gives the text it generates
 * (cut to maxNewTokens; EOS spends one step). It records every generate call.
 */
function standIn(replies: (prompt: string, row: number, options: GenerateOptions) => string) {
  const calls: Array<{ prompts: number; options: GenerateOptions }> = [];
  const model = {
    generate(prompts: number[][], options: GenerateOptions): GenerateResult {
      calls.push({ prompts: prompts.length, options });
      const tokens: number[][] = [];
      const finish: Array<'stop' | 'length'> = [];
      prompts.forEach((ids, row) => {
        const text = replies(tokenizer.decode(ids), row, options);
        const out = [...tokenizer.encode(text), tokenizer.eosId!];
        const kept = out.slice(0, options.maxNewTokens);
        const stopped = kept.length === out.length;
        tokens.push(stopped ? kept.slice(0, -1) : kept);
        finish.push(stopped ? 'stop' : 'length');
      });
      return { tokens, finish };
    },
  } as unknown as CausalLM;
  return { model, calls };
}

const problems = [
  problem('Q: 1+1=? A:', '2', ' The answer is 2.'),
  problem('Q: 2+2=? A:', '4', ' The answer is 4.'),
  problem('Q: 3+3=? A:', '6', ' The answer is 6.'),
  problem('Q: 4+4=? A:', '8', ' The answer is 8.'),
  problem('Q: 5+5=? A:', '10', ' 5+5=10. The answer is 10.'),
];

describe('binomialStderr', () => {
  it('is sqrt(p(1-p)/n)', () => {
    expect(binomialStderr(0.6, 5)).toBeCloseTo(Math.sqrt(0.048), 12);
    expect(binomialStderr(0, 10)).toBe(0);
    expect(binomialStderr(0.5, 0)).toBe(0);
  });
});

describe('answerTokenBudget', () => {
  it('is the longest solution plus EOS', () => {
    // " 5+5=10. The answer is 10." is 26 characters, one token each, then EOS.
    expect(
      answerTokenBudget(
        tokenizer,
        problems.map((p) => p.solution!),
      ),
    ).toBe(27);
    expect(encodeResponse(tokenizer, problems[4].solution!).length).toBe(27);
  });
});

describe('taskAccuracy', () => {
  it('gives exactly the expected greedy accuracy and standard error', () => {
    // Right on 1+1, 2+2, 5+5; wrong on 3+3; states no answer on 4+4.
    const wrong: Record<string, string> = {
      'Q: 3+3=? A:': ' The answer is 7.',
      'Q: 4+4=? A:': ' 8',
    };
    const { model, calls } = standIn(
      (prompt) => wrong[prompt] ?? problems.find((p) => p.prompt === prompt)!.solution!,
    );
    const result = taskAccuracy(model, tokenizer, problems, answerIsVerifier, {
      mode: 'greedy',
      batchSize: 2,
    });
    expect(result).toMatchObject({
      correct: 3,
      n: 5,
      problems: 5,
      k: 1,
      truncated: 0,
      maxNewTokens: 27,
    });
    expect(result.accuracy).toBe(0.6);
    expect(result.stderr).toBeCloseTo(Math.sqrt((0.6 * 0.4) / 5), 12);
    expect(result.passAtK).toBe(0.6);
    expect(calls.map((c) => c.prompts)).toEqual([2, 2, 1]);
    expect(calls.every((c) => c.options.temperature === 0)).toBe(true);
    expect(calls[0].options.stopIds).toEqual([2]);
    expect(result.responses[2]).toBe(' The answer is 7.');
  });

  it('grades k samples per problem: accuracy over k·n samples and pass@k', () => {
    // Sample j (0..3) of problem i (0..4) is right when j < i.
    const index = (prompt: string) => problems.findIndex((p) => p.prompt === prompt);
    const { model, calls } = standIn((prompt, row) => {
      const i = index(prompt);
      const j = row % 4;
      return j < i ? problems[i].solution! : ' The answer is 0.';
    });
    const result = taskAccuracy(model, tokenizer, problems, answerIsVerifier, {
      mode: 'sample',
      k: 4,
      temperature: 0.7,
      topP: 0.9,
      seed: 11,
      batchSize: 5,
    });
    // Correct per problem: 0, 1, 2, 3, 4 = 10 of 20; problems with one right: 4 of 5.
    expect(result).toMatchObject({ correct: 10, n: 20, k: 4, problems: 5 });
    expect(result.accuracy).toBe(0.5);
    expect(result.stderr).toBeCloseTo(Math.sqrt(0.25 / 20), 12);
    expect(result.passAtK).toBe(0.8);
    expect(result.passAtKStderr).toBeCloseTo(Math.sqrt((0.8 * 0.2) / 5), 12);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ prompts: 20, options: { temperature: 0.7, topP: 0.9 } });
  });

  it('is deterministic given the seed, and the seed reaches generate', () => {
    const { model, calls } = standIn(
      (_prompt, _row, options) => ` The answer is ${(options.seed ?? 0) % 2 === 0 ? 2 : 3}.`,
    );
    const options = { mode: 'sample' as const, k: 2, seed: 5, batchSize: 2, temperature: 1 };
    const a = taskAccuracy(model, tokenizer, problems, answerIsVerifier, options);
    const b = taskAccuracy(model, tokenizer, problems, answerIsVerifier, options);
    expect(b).toEqual(a);
    expect(calls.slice(0, 3).map((c) => c.options.seed)).toEqual(
      calls.slice(3).map((c) => c.options.seed),
    );
    expect(new Set(calls.slice(0, 3).map((c) => c.options.seed)).size).toBe(3);
  });

  it('never cuts a well-formed answer short with the default budget', () => {
    const { model } = standIn((prompt) => problems.find((p) => p.prompt === prompt)!.solution!);
    const result = taskAccuracy(model, tokenizer, problems, answerIsVerifier, { mode: 'greedy' });
    expect(result).toMatchObject({ accuracy: 1, truncated: 0 });
    // One token less and the longest answer runs out before its EOS.
    const short = taskAccuracy(model, tokenizer, problems, answerIsVerifier, {
      mode: 'greedy',
      maxNewTokens: 26,
    });
    expect(short.truncated).toBe(1);
  });

  it('renders the prompt template and adds BOS', () => {
    const seen: string[] = [];
    const { model } = standIn((prompt) => {
      seen.push(prompt);
      return ' The answer is 2.';
    });
    taskAccuracy(model, tokenizer, problems.slice(0, 1), answerIsVerifier, {
      mode: 'greedy',
      promptTemplate: 'Solve. {question}',
    });
    expect(seen).toEqual(['Solve. Q: 1+1=? A:']);
    expect(encodePrompt(tokenizer, 'x')[0]).toBe(tokenizer.bosId);
  });

  it('fails with a coded error on no problems or no budget', () => {
    const { model } = standIn(() => '');
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(isAlloError(error)).toBe(true);
        return [(error as AlloError).code, (error as AlloError).message];
      }
      return null;
    };
    expect(
      codeOf(() => taskAccuracy(model, tokenizer, [], answerIsVerifier, { mode: 'greedy' })),
    ).toEqual([
      'DATA_EMPTY',
      'taskAccuracy: no problems to evaluate; pass at least one ProblemRecord',
    ]);
    const noBudget = codeOf(() =>
      taskAccuracy(model, tokenizer, [problem('a', '1')], answerIsVerifier, { mode: 'greedy' }),
    );
    expect(noBudget?.[0]).toBe('USAGE');
    expect(noBudget?.[1]).toMatch(/maxNewTokens must be an integer >= 1/);
  });

  it('leaks no tensor generating from a real (tiny) tfjs model, greedy and sampled', () => {
    const model = createTinyLM({ seed: 3 });
    const tiny = tinyTokenizer();
    const tasks = [problem('abc', '1', 'abcd'), problem('cab', '2', 'ab')];
    const run = () => {
      taskAccuracy(model, tiny, tasks, answerIsVerifier, { mode: 'greedy', batchSize: 1 });
      return taskAccuracy(model, tiny, tasks, answerIsVerifier, {
        mode: 'sample',
        k: 3,
        temperature: 1,
        seed: 4,
      });
    };
    run();
    const before = tf.memory().numTensors;
    const result = run();
    expect(tf.memory().numTensors).toBe(before);
    // The tiny model's letters never state "The answer is N": every sample is wrong.
    expect(result).toMatchObject({ n: 6, correct: 0, accuracy: 0, stderr: 0, maxNewTokens: 5 });
    model.dispose();
  });
});
