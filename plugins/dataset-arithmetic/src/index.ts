// @allo/dataset-arithmetic: the `arithmetic` DatasetLoader plugin (generated problems with worked
// answers, or GSM8K-style files) and the pieces the math example and self-sampling reuse.
import { bindFactory, definePlugin } from '@allo/core';

import { ARITHMETIC_DEFAULTS, ArithmeticLoader } from './arithmetic.js';
import type { ArithmeticOptions } from './arithmetic.js';

export {
  ARITHMETIC_DEFAULTS,
  ArithmeticLoader,
  ArithmeticSource,
  arithmeticVerifier,
} from './arithmetic.js';
export type { ArithmeticOptions } from './arithmetic.js';
export {
  answerOf,
  carriesOnes,
  generateOperands,
  generateProblems,
  problemSpace,
  promptOf,
  sftRecordOf,
  solutionOf,
} from './generate.js';
export type { Carries, GenerateSpec, Operands, Operation } from './generate.js';

export const arithmeticPlugin = definePlugin<'dataset', Partial<ArithmeticOptions>>({
  id: 'arithmetic',
  kind: 'dataset',
  version: '0.1.0',
  description:
    'Generated two-digit arithmetic (or GSM8K-style files) with worked answers ending "The answer is N." and its verifier',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      source: {
        enum: ['generate', 'gsm8k'],
        default: 'generate',
        description: 'Generate problems from the seed, or read a GSM8K-style JSONL file at "path".',
      },
      path: {
        type: 'string',
        default: '',
        description:
          'The GSM8K-style file (question, answer with "#### N"); required when source is "gsm8k".',
      },
      problems: {
        type: 'integer',
        minimum: 0,
        default: 1000,
        description:
          'Problems generated, or the first ones read from the file (0: the whole file).',
      },
      operation: {
        enum: ['add', 'add-sub'],
        default: 'add',
        description: 'Two-digit a+b, or a+b-c.',
      },
      carries: {
        enum: ['any', 'only', 'without'],
        default: 'any',
        description:
          'Keep every a+b, only those whose ones column carries, or only those without a carry.',
      },
      records: {
        enum: ['both', 'problem', 'sft'],
        default: 'both',
        description:
          'Emit problems (for sampling and accuracy), SFT examples (prompt + worked solution), or both.',
      },
      seed: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description:
          'Generation seed, separate from the run seed so that a new training seed keeps the problems.',
      },
      onInvalid: {
        enum: ['error', 'skip'],
        default: 'error',
        description: 'A malformed GSM8K row fails (error) or is counted and skipped (skip).',
      },
    },
    if: { properties: { source: { const: 'gsm8k' } }, required: ['source'] },
    then: { required: ['path'], properties: { path: { minLength: 1 } } },
  },
  register: bindFactory(
    'dataset',
    (options, context) => new ArithmeticLoader({ ...ARITHMETIC_DEFAULTS, ...options }, context),
  ),
});
