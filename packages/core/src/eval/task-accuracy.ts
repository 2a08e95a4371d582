// Task accuracy on problems with checkable answers: the metric of the paper's math and QA setting
// (Chen et al., EMNLP 2024, Sec. 4.1 report GSM8K accuracy). Greedy decoding grades one response
// per problem; sampling grades k responses per problem at a temperature, and reports accuracy over
// all k·n samples and pass@k (a problem counts when any of its k samples is right). Each comes
// with the binomial standard error sqrt(p (1 - p) / n) of the proportion.
import { encodePrompt, encodeResponse } from '../data/tokenize.js';
import type { Verifier } from '../data/task.js';
import { errors } from '../errors.js';
import type { CausalLM, ProblemRecord, Tokenizer } from '../types.js';

export interface TaskAccuracyOptions {
  mode: 'greedy' | 'sample';
  /** Samples per problem in 'sample' mode (greedy always takes 1). Default 1. */
  k?: number;
  /** Sampling temperature in 'sample' mode; default 1. */
  temperature?: number;
  /** Nucleus mass in 'sample' mode; default 1. */
  topP?: number;
  /** Token budget per response; default answerTokenBudget over the problems' solutions. */
  maxNewTokens?: number;
  /** Sampling seed; batch b samples with mixSeed(seed, b). Default 0. */
  seed?: number;
  /** Prompts (each repeated k times) per generate call; default 16. */
  batchSize?: number;
  /** The prompt the model sees; "{question}" is replaced with the problem's prompt. */
  promptTemplate?: string;
}

export interface TaskAccuracy {
  /** Correct samples over all graded samples (k per problem). */
  accuracy: number;
  /** Binomial standard error of `accuracy`: sqrt(p (1 - p) / n). */
  stderr: number;
  /** Graded samples: problems × k. */
  n: number;
  correct: number;
  problems: number;
  k: number;
  /** Problems with at least one correct sample, over problems (equals accuracy when k = 1). */
  passAtK: number;
  passAtKStderr: number;
  /** Samples that ran out of tokens before a stop token. */
  truncated: number;
  maxNewTokens: number;
  /** Every decoded response, problem-major (k per problem), for inspection. */
  responses: string[];
}

/** Binomial standard error of a proportion p measured on n trials. */
export function binomialStderr(p: number, n: number): number {
  if (n <= 0) return 0;
  return Math.sqrt((p * (1 - p)) / n);
}

/**
 * Tokens a response needs to state the longest well-formed answer and then stop: the longest
 * encodeResponse(solution) (its EOS included; generation spends one step on the stop token).
 */
export function answerTokenBudget(tokenizer: Tokenizer, solutions: readonly string[]): number {
  let longest = 0;
  for (const solution of solutions) {
    longest = Math.max(longest, encodeResponse(tokenizer, solution).length);
  }
  return longest;
}

/** Mixes a seed with an index into an independent 32-bit seed. */
function mixSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2d);
  return (h ^ (h >>> 16)) >>> 0;
}

function render(template: string, problem: ProblemRecord): string {
  return template.split('{question}').join(problem.prompt);
}

/**
 * Generates for every problem and grades with the verifier. Deterministic given the options:
 * greedy results do not depend on batching; sampled ones depend on seed and batchSize.
 */
export function taskAccuracy(
  model: CausalLM,
  tokenizer: Tokenizer,
  problems: readonly ProblemRecord[],
  verifier: Verifier,
  options: TaskAccuracyOptions,
): TaskAccuracy {
  const k = options.mode === 'greedy' ? 1 : (options.k ?? 1);
  if (!Number.isInteger(k) || k < 1)
    throw errors.usage(`taskAccuracy: options.k must be an integer >= 1, got ${options.k}`);
  if (problems.length === 0)
    throw errors.dataEmpty(
      'taskAccuracy: no problems to evaluate; pass at least one ProblemRecord',
    );
  const solutions = problems.map((p) => p.solution).filter((s): s is string => s !== undefined);
  const maxNewTokens =
    options.maxNewTokens ?? (solutions.length === 0 ? 0 : answerTokenBudget(tokenizer, solutions));
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw errors.usage(
      `taskAccuracy: options.maxNewTokens must be an integer >= 1 (or the problems need solutions to size it from), got ${options.maxNewTokens ?? 'none'}`,
    );
  }
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const template = options.promptTemplate ?? '{question}';
  const stopIds = [
    ...new Set([
      ...(tokenizer.eosId === null ? [] : [tokenizer.eosId]),
      ...(tokenizer.stopIds ?? []),
    ]),
  ];
  const temperature = options.mode === 'greedy' ? 0 : (options.temperature ?? 1);
  const topP = options.mode === 'greedy' ? 1 : (options.topP ?? 1);

  const responses: string[] = [];
  let correct = 0;
  let solved = 0;
  let truncated = 0;
  for (let start = 0, batch = 0; start < problems.length; start += batchSize, batch += 1) {
    const group = problems.slice(start, start + batchSize);
    const prompts = group.flatMap((p) => {
      const ids = encodePrompt(tokenizer, render(template, p));
      return Array.from({ length: k }, () => ids);
    });
    const result = model.generate(prompts, {
      maxNewTokens,
      temperature,
      topP,
      seed: mixSeed(options.seed ?? 0, batch),
      stopIds,
    });
    group.forEach((problem, i) => {
      let any = false;
      for (let j = 0; j < k; j += 1) {
        const row = i * k + j;
        const text = tokenizer.decode(result.tokens[row]);
        responses.push(text);
        if (result.finish[row] === 'length') truncated += 1;
        if (verifier.isCorrect(text, problem.answer)) {
          correct += 1;
          any = true;
        }
      }
      if (any) solved += 1;
    });
  }

  const n = problems.length * k;
  const accuracy = correct / n;
  const passAtK = solved / problems.length;
  return {
    accuracy,
    stderr: binomialStderr(accuracy, n),
    n,
    correct,
    problems: problems.length,
    k,
    passAtK,
    passAtKStderr: binomialStderr(passAtK, problems.length),
    truncated,
    maxNewTokens,
    responses,
  };
}
