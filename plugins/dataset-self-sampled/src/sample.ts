// The paper's pair construction for tasks with checkable answers (Chen et al. 2024, sec. 4.1,
// following its math/QA setting): sample k responses per prompt from the policy, label each with a
// verifier, pair every correct response with every wrong one, keep at most `maxPairsPerPrompt`
// pairs per prompt (a seeded choice), and keep the wrong responses alone for the forgetting stage.
import { createHash } from 'node:crypto';

import { encodePrompt, seededPermutation } from '@allo/core';
import type {
  CausalLM,
  Logger,
  PreferenceRecord,
  ProblemRecord,
  RejectedRecord,
  Tokenizer,
  Verifier,
} from '@allo/core';

export interface SampleOptions {
  /** Responses sampled per prompt. */
  k: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  seed: number;
  maxPairsPerPrompt: number;
  /** The prompt the policy sees; "{question}" is replaced with the problem's prompt. */
  promptTemplate: string;
  /** Also emit each wrong response alone (RejectedRecord) for the forgetting stage. */
  includeRejected: boolean;
}

export interface SampleStats {
  problems: number;
  samples: number;
  correct: number;
  /** Problems that gave at least one pair (some sample right and some wrong). */
  withPairs: number;
  pairs: number;
  rejected: number;
}

/** Mixes the run seed with a problem's index into an independent 32-bit seed. */
export function problemSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x27d4eb2d);
  return (h ^ (h >>> 15)) >>> 0;
}

export function renderPrompt(template: string, problem: ProblemRecord): string {
  return template.split('{question}').join(problem.prompt);
}

/**
 * The pairs and rejected records of one problem from its labelled responses. Identical texts are
 * kept once; pairs beyond the cap are left out by a seeded choice, the kept ones in (correct,
 * wrong) order.
 */
export function buildRecords(
  problem: ProblemRecord,
  prompt: string,
  responses: readonly string[],
  verifier: Verifier,
  options: Pick<SampleOptions, 'maxPairsPerPrompt' | 'includeRejected'>,
  seed: number,
): { pairs: PreferenceRecord[]; rejected: RejectedRecord[]; correct: number } {
  const correct: string[] = [];
  const wrong: string[] = [];
  let nCorrect = 0;
  for (const text of responses) {
    const ok = verifier.isCorrect(text, problem.answer);
    if (ok) nCorrect += 1;
    const bucket = ok ? correct : wrong;
    if (text.trim() !== '' && !bucket.includes(text)) bucket.push(text);
  }

  const all = correct.length * wrong.length;
  let picked = Array.from({ length: all }, (_, i) => i);
  if (all > options.maxPairsPerPrompt) {
    picked = seededPermutation(all, seed)
      .slice(0, options.maxPairsPerPrompt)
      .sort((a, b) => a - b);
  }
  const meta = { group: problem.id, answer: problem.answer };
  const pairs: PreferenceRecord[] = picked.map((i, n) => ({
    kind: 'preference',
    id: `${problem.id}#p${n}`,
    prompt,
    chosen: correct[Math.floor(i / wrong.length)],
    rejected: wrong[i % wrong.length],
    meta,
  }));
  const rejected: RejectedRecord[] = options.includeRejected
    ? wrong.map((text, n) => ({
        kind: 'rejected',
        id: `${problem.id}#r${n}`,
        prompt,
        rejected: text,
        meta,
      }))
    : [];
  return { pairs, rejected, correct: nCorrect };
}

/** Samples k responses for each problem and builds its records; one generate call per problem. */
export async function* selfSample(
  problems: AsyncIterable<ProblemRecord> | Iterable<ProblemRecord>,
  verifier: Verifier,
  policy: { model: CausalLM; tokenizer: Tokenizer; logger?: Logger },
  options: SampleOptions,
  stats?: SampleStats,
): AsyncGenerator<PreferenceRecord | RejectedRecord> {
  const { model, tokenizer } = policy;
  const room = model.config.maxPositions - options.maxNewTokens;
  let index = 0;
  for await (const problem of problems) {
    const prompt = renderPrompt(options.promptTemplate, problem);
    let promptIds = encodePrompt(tokenizer, prompt);
    if (promptIds.length > room) {
      policy.logger?.warnOnce(
        'self-sampled:prompt-cut',
        `self-sampled: prompts longer than maxPositions (${model.config.maxPositions}) - maxNewTokens (${options.maxNewTokens}) are cut from the left for sampling`,
      );
      promptIds = [promptIds[0], ...promptIds.slice(promptIds.length - room + 1)];
    }
    const seed = problemSeed(options.seed, index);
    const result = model.generate(
      Array.from({ length: options.k }, () => promptIds),
      {
        maxNewTokens: options.maxNewTokens,
        temperature: options.temperature,
        topP: options.topP,
        seed,
      },
    );
    const responses = result.tokens.map((ids) => tokenizer.decode(ids));
    const built = buildRecords(problem, prompt, responses, verifier, options, seed);
    if (stats !== undefined) {
      stats.problems += 1;
      stats.samples += responses.length;
      stats.correct += built.correct;
      stats.withPairs += built.pairs.length > 0 ? 1 : 0;
      stats.pairs += built.pairs.length;
      stats.rejected += built.rejected.length;
    }
    index += 1;
    yield* built.pairs;
    yield* built.rejected;
  }
}

/** A short stable hash of everything the samples depend on: options, problems and weights. */
export function fingerprint(parts: {
  options: unknown;
  verifier: string;
  problems: readonly ProblemRecord[];
  model: CausalLM;
}) {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      options: parts.options,
      verifier: parts.verifier,
      config: parts.model.config,
    }),
  );
  for (const p of parts.problems) hash.update(JSON.stringify([p.id, p.prompt, p.answer]));
  for (const parameter of parts.model.parameters) {
    hash.update(parameter.name);
    const values = parameter.variable.dataSync() as Float32Array;
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex').slice(0, 16);
}
