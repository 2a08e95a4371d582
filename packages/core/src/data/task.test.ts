import { describe, expect, it } from 'vitest';

import { answerIsVerifier, normaliseNumber } from './task.js';

describe('normaliseNumber', () => {
  it.each([
    ['1,000', '1000'],
    ['-5', '-5'],
    ['\u22123', '-3'],
    ['+7', '7'],
    ['$18', '18'],
    ['-$4', '-4'],
    ['42.', '42'],
    ['5.50', '5.5'],
    ['7.0', '7'],
    ['-0', '0'],
    ['007', '7'],
    ['.5', '0.5'],
  ])('%s -> %s', (text, expected) => {
    expect(normaliseNumber(text)).toBe(expected);
  });

  it('rejects what is not a number', () => {
    expect(normaliseNumber('twelve')).toBeNull();
    expect(normaliseNumber('1-2')).toBeNull();
    expect(normaliseNumber('')).toBeNull();
  });
});

describe('answerIsVerifier', () => {
  it('reads the last "The answer is N", with commas and signs', () => {
    expect(answerIsVerifier.extract('So 3+4=7. The answer is 7.')).toBe('7');
    expect(answerIsVerifier.extract('The answer is 5. No wait, the answer is -1,200.')).toBe(
      '-1200',
    );
    expect(answerIsVerifier.extract('The final answer is: $3,000')).toBe('3000');
    expect(answerIsVerifier.extract('It is 7.')).toBeNull();
  });

  it('compares with the normalised reference', () => {
    expect(answerIsVerifier.isCorrect('The answer is 1,000', '1000')).toBe(true);
    expect(answerIsVerifier.isCorrect('The answer is 1000.0', '1,000')).toBe(true);
    expect(answerIsVerifier.isCorrect('The answer is 999', '1000')).toBe(false);
    expect(answerIsVerifier.isCorrect('no answer', '1000')).toBe(false);
  });
});
