import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  answerTokenBudget,
  assetPath,
  createLogger,
  encodePrompt,
  encodeResponse,
} from '@allo/core';
import type { DatasetRecord } from '@allo/core';
import { pluginContract } from '@allo/core/testing';
import { Llama2cTokenizer } from '@allo/model';
import { describe, expect, it } from 'vitest';

import {
  ArithmeticLoader,
  ARITHMETIC_DEFAULTS,
  arithmeticPlugin,
  arithmeticVerifier,
  generateProblems,
  problemSpace,
  solutionOf,
} from './index.js';

const context = { configDir: process.cwd(), logger: createLogger('test') };

async function collect(loader: ArithmeticLoader): Promise<DatasetRecord[]> {
  const out: DatasetRecord[] = [];
  for await (const record of loader.records()) out.push(record);
  return out;
}

pluginContract(arithmeticPlugin, {
  valid: [
    { problems: 10, operation: 'add-sub', carries: 'only', records: 'sft', seed: 3 },
    { source: 'gsm8k', path: 'x.jsonl' },
  ],
  invalid: [
    { options: { carries: 'some' }, path: 'dataset.options.carries' },
    { options: { problems: -1 }, path: 'dataset.options.problems' },
    { options: { source: 'gsm8k' }, path: 'dataset.options.path' },
  ],
});

describe('generateProblems', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const spec = { count: 50, operation: 'add' as const, carries: 'any' as const, seed: 7 };
    const a = generateProblems(spec);
    expect(generateProblems(spec)).toEqual(a);
    expect(generateProblems({ ...spec, seed: 8 }).map((p) => p.prompt)).not.toEqual(
      a.map((p) => p.prompt),
    );
    expect(new Set(a.map((p) => p.prompt)).size).toBe(50);
  });

  it('states correct answers, in the prompt and in the worked solution', () => {
    for (const operation of ['add', 'add-sub'] as const) {
      for (const p of generateProblems({ count: 200, operation, carries: 'any', seed: 1 })) {
        const m = /^Q: (\d\d)\+(\d\d)(?:-(\d\d))?=\? A:$/.exec(p.prompt);
        expect(m, p.prompt).not.toBeNull();
        const expected = Number(m![1]) + Number(m![2]) - Number(m![3] ?? 0);
        expect(p.answer).toBe(String(expected));
        expect(arithmeticVerifier.isCorrect(p.solution!, p.answer)).toBe(true);
      }
    }
  });

  it('writes the column sums with their carry (hand-checked)', () => {
    expect(solutionOf({ a: 23, b: 45 })).toBe(' 3+5=8, 2+4=6. The answer is 68.');
    expect(solutionOf({ a: 27, b: 45 })).toBe(' 7+5=12, 2+4+1=7. The answer is 72.');
    expect(solutionOf({ a: 99, b: 99 })).toBe(' 9+9=18, 9+9+1=19. The answer is 198.');
    expect(solutionOf({ a: 12, b: 15, c: 40 })).toBe(
      ' 2+5=7, 1+1=2. 27-40=-13. The answer is -13.',
    );
  });

  it('keeps the carry rule and counts its problem space exactly', () => {
    // Ones digits: 45 of the 100 pairs carry (sum >= 10); tens digits 1..9: 81 pairs.
    expect(problemSpace('add', 'any')).toBe(90 * 90);
    expect(problemSpace('add', 'only')).toBe(45 * 81);
    expect(problemSpace('add', 'without')).toBe(55 * 81);
    expect(problemSpace('add-sub', 'without')).toBe(55 * 81 * 90);
    const only = generateProblems({ count: 100, operation: 'add', carries: 'only', seed: 2 });
    expect(only.every((p) => p.meta!.carries === true)).toBe(true);
    const without = generateProblems({ count: 100, operation: 'add', carries: 'without', seed: 2 });
    expect(without.every((p) => p.meta!.carries === false)).toBe(true);
  });

  it('refuses more problems than the space holds, naming the option', () => {
    expect(() =>
      generateProblems({ count: 55 * 81 + 1, operation: 'add', carries: 'without', seed: 0 }),
    ).toThrow(/dataset\.options\.problems: must be at most 4455/);
  });
});

describe('arithmeticVerifier', () => {
  it('reads the last "The answer is N." with commas and signs', () => {
    expect(arithmeticVerifier.extract(' 3+5=8. The answer is 68.')).toBe('68');
    expect(arithmeticVerifier.extract('The answer is 1,234.')).toBe('1234');
    expect(arithmeticVerifier.extract('27-40=-13. The answer is -13.')).toBe('-13');
    expect(arithmeticVerifier.extract('The answer is +7.')).toBe('7');
    expect(arithmeticVerifier.extract('The answer is 5. No, the answer is 6.')).toBe('6');
    expect(arithmeticVerifier.isCorrect('The answer is -13.', '-13')).toBe(true);
    expect(arithmeticVerifier.isCorrect('The answer is 13.', '-13')).toBe(false);
  });

  it('rejects malformed answers', () => {
    for (const bad of ['3+5=8, 2+4=6.', 'The answer is', 'The answer is x.', 'answer: 68', '']) {
      expect(arithmeticVerifier.extract(bad), bad).toBeNull();
      expect(arithmeticVerifier.isCorrect(bad, '68'), bad).toBe(false);
    }
  });
});

describe('ArithmeticLoader', () => {
  it('yields a problem then its SFT example per problem', async () => {
    const records = await collect(
      new ArithmeticLoader({ ...ARITHMETIC_DEFAULTS, problems: 3, seed: 5 }, context),
    );
    expect(records.map((r) => r.kind)).toEqual([
      'problem',
      'sft',
      'problem',
      'sft',
      'problem',
      'sft',
    ]);
    const [problem, sft] = records;
    expect(sft).toMatchObject({
      kind: 'sft',
      prompt: problem.prompt,
      response: (problem as { solution: string }).solution,
    });
    const only = await collect(
      new ArithmeticLoader(
        { ...ARITHMETIC_DEFAULTS, problems: 3, seed: 5, records: 'problem' },
        context,
      ),
    );
    expect(only).toEqual(records.filter((r) => r.kind === 'problem'));
  });

  it('reads GSM8K-style files through the GSM8K source', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'arith-'));
    const file = path.join(dir, 'tiny.jsonl');
    const rows = [
      {
        question: 'Tom has 2 apples and buys 3. How many?',
        answer: 'He has 2+3=<<2+3=5>>5.\n#### 5',
      },
      {
        question: 'A debt of 1,200 grows by 34. What is it?',
        answer: '1200+34=<<1200+34=1234>>1234\n#### 1,234',
      },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const loader = new ArithmeticLoader(
      { ...ARITHMETIC_DEFAULTS, source: 'gsm8k', path: file, problems: 0 },
      context,
    );
    const records = await collect(loader);
    expect(records.map((r) => r.kind)).toEqual(['problem', 'sft', 'problem', 'sft']);
    expect(records[2]).toMatchObject({
      answer: '1234',
      solution: '1200+34=1234\nThe answer is 1234.',
    });
    expect(
      arithmeticVerifier.isCorrect((records[3] as { response: string }).response, '1234'),
    ).toBe(true);
  });
});

describe('with the real tok512 tokenizer', () => {
  const tokenizer = Llama2cTokenizer.fromFile(assetPath('stories260K', 'tok512.bin'));
  const problems = [
    ...generateProblems({ count: 400, operation: 'add', carries: 'any', seed: 0 }),
    ...generateProblems({ count: 400, operation: 'add-sub', carries: 'any', seed: 0 }),
  ];

  it('keeps prompts and answers short (measured token counts)', () => {
    const promptLengths = problems.map((p) => encodePrompt(tokenizer, p.prompt).length);
    const add = problems.slice(0, 400).map((p) => encodeResponse(tokenizer, p.solution!).length);
    const addSub = problems.slice(400).map((p) => encodeResponse(tokenizer, p.solution!).length);
    // Measured: BOS + " Q: 23+45=? A:" is 15 tokens (18 for a+b-c): one per character, digits
    // included; worked answers with EOS take 27-32 tokens (a+b) and 35-44 (a+b-c).
    expect(Math.max(...promptLengths)).toBe(18);
    expect(Math.max(...add)).toBeLessThanOrEqual(32);
    expect(Math.max(...addSub)).toBeLessThanOrEqual(44);
    expect(
      answerTokenBudget(
        tokenizer,
        problems.slice(0, 400).map((p) => p.solution!),
      ),
    ).toBe(Math.max(...add));
  });

  it('fits the longest well-formed answer plus EOS in the token budget', () => {
    const budget = answerTokenBudget(
      tokenizer,
      problems.map((p) => p.solution!),
    );
    for (const p of problems) {
      const ids = encodeResponse(tokenizer, p.solution!);
      expect(ids[ids.length - 1]).toBe(tokenizer.eosId);
      expect(ids.length).toBeLessThanOrEqual(budget);
      // Decoding the answer without its EOS gives back the text the verifier grades.
      expect(arithmeticVerifier.isCorrect(tokenizer.decode(ids.slice(0, -1)), p.answer)).toBe(true);
    }
  });
});
