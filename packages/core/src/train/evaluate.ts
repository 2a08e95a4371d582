// Held-out evaluation in TRL's metric names, and a Monte-Carlo KL estimate to the reference.
import type { SequenceRow } from '../data/batch.js';
import type { CausalLM, Metrics, TokenizedPair } from '../types.js';
import { responseLogps } from './logps.js';
import { rowsOf } from './stage-objective.js';

/** Padding id for evaluation batches: log-probs never depend on it (masks come from lengths). */
const PAD = 0;

const sum = (xs: Float32Array) => xs.reduce((a, b) => a + b, 0);

/**
 * DPO-style metrics of `model` against `reference` on pairs: implicit rewards β·(log π − log π_ref)
 * of summed response log-probs (means over pairs), the share of pairs whose chosen reward beats the
 * rejected one (`rewards/accuracies`, strict), mean summed log-probs, and `nll/chosen`: the mean
 * per-token negative log-likelihood over all chosen response tokens (EOS included).
 */
export async function evaluatePairs(
  model: CausalLM,
  reference: CausalLM,
  pairs: readonly TokenizedPair[],
  options: { beta: number; batchSize: number },
): Promise<Metrics> {
  const n = pairs.length;
  if (n === 0) return {};
  const [pc, pr, rc, rr] = await Promise.all([
    responseLogps(model, rowsOf(pairs, 'chosen'), PAD, options.batchSize),
    responseLogps(model, rowsOf(pairs, 'rejected'), PAD, options.batchSize),
    responseLogps(reference, rowsOf(pairs, 'chosen'), PAD, options.batchSize),
    responseLogps(reference, rowsOf(pairs, 'rejected'), PAD, options.batchSize),
  ]);
  let chosen = 0;
  let rejected = 0;
  let wins = 0;
  let logpsChosen = 0;
  let logpsRejected = 0;
  let nll = 0;
  let tokens = 0;
  for (let i = 0; i < n; i += 1) {
    const c = options.beta * (sum(pc[i]) - sum(rc[i]));
    const r = options.beta * (sum(pr[i]) - sum(rr[i]));
    chosen += c;
    rejected += r;
    if (c > r) wins += 1;
    logpsChosen += sum(pc[i]);
    logpsRejected += sum(pr[i]);
    nll -= sum(pc[i]);
    tokens += pc[i].length;
  }
  return {
    'rewards/accuracies': wins / n,
    'rewards/margins': (chosen - rejected) / n,
    'rewards/chosen': chosen / n,
    'rewards/rejected': rejected / n,
    'logps/chosen': logpsChosen / n,
    'logps/rejected': logpsRejected / n,
    'nll/chosen': nll / Math.max(1, tokens),
  };
}

/**
 * KL(π ‖ π_ref) estimated on responses sampled from `model` (temperature 1): the mean over
 * samples of Σ_t log π(y_t) − log π_ref(y_t). Each prompt is sampled `samples` times with seeds
 * seed, seed + 1, …. Generated tokens exclude the stop token (GenerateResult's contract), so its
 * term is left out of the sum.
 */
export async function klToReference(
  model: CausalLM,
  reference: CausalLM,
  prompts: number[][],
  options: { samples: number; maxNewTokens: number; seed: number },
): Promise<number> {
  let total = 0;
  let count = 0;
  for (let s = 0; s < options.samples; s += 1) {
    const generated = model.generate(prompts, {
      maxNewTokens: options.maxNewTokens,
      temperature: 1,
      seed: options.seed + s,
    });
    const rows: SequenceRow[] = prompts.map((promptIds, i) => ({
      promptIds,
      responseIds: generated.tokens[i],
    }));
    const [policy, ref] = await Promise.all([
      responseLogps(model, rows, PAD, 8),
      responseLogps(reference, rows, PAD, 8),
    ]);
    for (let i = 0; i < rows.length; i += 1) total += sum(policy[i]) - sum(ref[i]);
    count += rows.length;
  }
  return count === 0 ? 0 : total / count;
}
