import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { assetPath } from '@allo/core';

import { gsm8kReferenceAnswer, gsm8kSolutionText, loadGsm8k, stripCalculator } from './gsm8k.js';

describe('GSM8K references', () => {
  it('strips calculator annotations and reads the final answer with commas and signs', () => {
    expect(stripCalculator('16-3-4=<<16-3-4=9>>9 eggs')).toBe('16-3-4=9 eggs');
    expect(gsm8kReferenceAnswer('She has 3.\n#### 1,000')).toBe('1000');
    expect(gsm8kReferenceAnswer('Loss.\n#### -5')).toBe('-5');
    expect(gsm8kReferenceAnswer('no marker')).toBeNull();
    expect(gsm8kSolutionText('2*3=<<2*3=6>>6\n#### 6', '6')).toBe('2*3=6\nThe answer is 6.');
  });
});

describe('the shipped GSM8K files', () => {
  it.each([
    ['train.jsonl', 7473, 'train.jsonl:1', '72'],
    ['test.jsonl', 1319, 'test.jsonl:1', '18'],
  ])(
    '%s gives %i problems, every reference answer parsed',
    async (name, count, firstId, firstAnswer) => {
      const { problems, dropped } = await loadGsm8k(assetPath('gsm8k', name));
      expect(problems).toHaveLength(count);
      expect(dropped).toEqual({});
      expect(problems[0].id).toBe(firstId);
      expect(problems[0].answer).toBe(firstAnswer);
      expect(problems.every((p) => /^-?\d+$/.test(p.answer))).toBe(true);
      expect(problems.some((p) => p.solution!.includes('<<'))).toBe(false);
    },
  );

  it('has 5 negative answers and some that used thousands commas, over both files', async () => {
    const all = [
      ...(await loadGsm8k(assetPath('gsm8k', 'train.jsonl'))).problems,
      ...(await loadGsm8k(assetPath('gsm8k', 'test.jsonl'))).problems,
    ];
    expect(all.filter((p) => p.answer.startsWith('-'))).toHaveLength(5);
  });

  it('fails on a row without "####" naming file, line and field; skip counts it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'allo-gsm8k-'));
    const file = path.join(dir, 'g.jsonl');
    writeFileSync(
      file,
      '{"question":"1+1?","answer":"#### 2"}\n{"question":"2+2?","answer":"4"}\n',
    );
    await expect(loadGsm8k(file)).rejects.toThrow(
      `${file}:2: field "answer": expected a final line "#### <number>"`,
    );
    const { problems, dropped } = await loadGsm8k(file, { onInvalid: 'skip' });
    expect(problems.map((p) => p.answer)).toEqual(['2']);
    expect(dropped).toEqual({ malformed: 1 });
  });
});
