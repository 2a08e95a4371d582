// @allo/dataset-self-sampled: the `self-sampled` DatasetLoader plugin, and the pieces a task
// plugin reuses (the GSM8K source, the pair builder, the loader over any TaskSource + Verifier).
import { answerIsVerifier, bindFactory, definePlugin } from '@allo/core';
import type { Verifier } from '@allo/core';

import { Gsm8kSource } from './gsm8k.js';
import { SelfSampledLoader } from './self-sampled.js';

export {
  Gsm8kSource,
  gsm8kReferenceAnswer,
  gsm8kSolutionText,
  loadGsm8k,
  stripCalculator,
} from './gsm8k.js';
export type { Gsm8kOptions } from './gsm8k.js';
export { buildRecords, fingerprint, problemSeed, renderPrompt, selfSample } from './sample.js';
export type { SampleOptions, SampleStats } from './sample.js';
export { SelfSampledLoader } from './self-sampled.js';
export type { SelfSampledSetup } from './self-sampled.js';
export { answerIsVerifier, normaliseNumber } from '@allo/core';
export type { TaskSource, Verifier } from '@allo/core';

export interface SelfSampledOptions {
  task: 'gsm8k';
  path: string;
  verifier: 'answer-is';
  k: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  seed?: number | null;
  maxPairsPerPrompt: number;
  promptTemplate: string;
  problems: number;
  includeRejected: boolean;
  cache: boolean;
  onInvalid: 'error' | 'skip';
}

export const VERIFIERS: Record<SelfSampledOptions['verifier'], Verifier> = {
  'answer-is': answerIsVerifier,
};

export const SELF_SAMPLED_DEFAULTS = {
  task: 'gsm8k',
  verifier: 'answer-is',
  k: 8,
  temperature: 0.8,
  topP: 0.95,
  maxNewTokens: 256,
  maxPairsPerPrompt: 5,
  promptTemplate: 'Question: {question}\nAnswer:',
  problems: 0,
  includeRejected: true,
  cache: true,
  onInvalid: 'error',
} as const;

export const selfSampledPlugin = definePlugin<'dataset', SelfSampledOptions>({
  id: 'self-sampled',
  kind: 'dataset',
  version: '0.1.0',
  description:
    'Pairs sampled from the policy and labelled by a verifier (GSM8K "The answer is N"), cached in the run directory',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      task: { enum: ['gsm8k'], default: 'gsm8k', description: 'Where problems come from.' },
      path: {
        type: 'string',
        format: 'path',
        minLength: 1,
        description: 'The task file (GSM8K JSONL); relative to the config file.',
      },
      verifier: {
        enum: ['answer-is'],
        default: 'answer-is',
        description: 'How a sample\'s final answer is read: the last "The answer is N".',
      },
      k: { type: 'integer', minimum: 2, default: 8, description: 'Responses sampled per prompt.' },
      temperature: {
        type: 'number',
        minimum: 0,
        default: 0.8,
        description: 'Sampling temperature; 0 decodes greedily (k identical samples).',
      },
      topP: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.95,
        description: 'Nucleus sampling mass.',
      },
      maxNewTokens: {
        type: 'integer',
        minimum: 1,
        default: 256,
        description: 'Most tokens per sampled response.',
      },
      seed: {
        type: ['integer', 'null'],
        default: null,
        description: 'Sampling seed; null takes the run seed.',
      },
      maxPairsPerPrompt: {
        type: 'integer',
        minimum: 1,
        default: 5,
        description: 'Most correct x wrong pairs kept per prompt (paper: 5).',
      },
      promptTemplate: {
        type: 'string',
        default: 'Question: {question}\nAnswer:',
        description: 'The prompt; "{question}" is replaced by the problem.',
      },
      problems: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Problems sampled, in file order; 0 takes all.',
      },
      includeRejected: {
        type: 'boolean',
        default: true,
        description: 'Also emit each wrong response alone for the forgetting stage.',
      },
      cache: {
        type: 'boolean',
        default: true,
        description: 'Reuse <runDir>/cache/self-sampled-<fingerprint>.jsonl.',
      },
      onInvalid: {
        enum: ['error', 'skip'],
        default: 'error',
        description: 'A malformed task row fails (error) or is counted and skipped (skip).',
      },
    },
  },
  register: bindFactory('dataset', (options, context) => {
    const o = { ...SELF_SAMPLED_DEFAULTS, ...options };
    return new SelfSampledLoader({
      source: new Gsm8kSource(
        { path: o.path, onInvalid: o.onInvalid },
        context.configDir,
        context.logger,
      ),
      verifier: VERIFIERS[o.verifier],
      sampling: {
        k: o.k,
        temperature: o.temperature,
        topP: o.topP,
        maxNewTokens: o.maxNewTokens,
        seed: o.seed ?? null,
        maxPairsPerPrompt: o.maxPairsPerPrompt,
        promptTemplate: o.promptTemplate,
        includeRejected: o.includeRejected,
      },
      problems: o.problems,
      cache: o.cache,
    });
  }),
});
