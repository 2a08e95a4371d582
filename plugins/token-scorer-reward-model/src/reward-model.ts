// The paper's token scorer (Chen et al., EMNLP 2024, §3.2 "Token-level reward"): a small
// generative reward model is shown a rewriting prompt — the problem, the correct solution and the
// wrong prediction — and then reads the prediction token by token; a token it finds unlikely
// (low p) is one it would rewrite, i.e. a token that carries the error.
import path from 'node:path';

import { bindFactory, buildBatch, definePlugin, disposeBatch, errors } from '@allo/core';
import type {
  LoadedModel,
  PluginContext,
  TokenScoreInput,
  TokenScorer,
  TokenizedPair,
  Tokenizer,
} from '@allo/core';
import { isHfDirectory, loadHfDirectory, loadLlama2c, looksLikeLlama2c } from '@allo/model';
import * as tf from '@tensorflow/tfjs-core';

export interface RewardModelOptions {
  /** Path of the reward model (any format the run's model loader reads), relative to the config. */
  model: string;
  /** Tokenizer path, when the loader needs one beside the model; relative to the config. */
  tokenizer: string | null;
  /** The rewriting prompt, with {prompt}, {chosen} and {rejected} placeholders. */
  template: string;
  /** raw: p; one-minus-p: 1 − p; threshold: 1 where p < threshold, else 0. */
  weights: 'raw' | 'one-minus-p' | 'threshold';
  threshold: number;
  /** Pairs per forward pass of the reward model. */
  batchSize: number;
}

export const ID = 'reward-model';

export const DEFAULT_TEMPLATE =
  'Below is a problem, a correct solution and a wrong solution. Rewrite the wrong solution into a correct one, changing as little as possible.\n\n' +
  'Problem:\n{prompt}\n\nCorrect solution:\n{chosen}\n\nWrong solution:\n{rejected}\n\nRewritten solution:\n';

export type LoadRewardModel = (
  modelPath: string,
  options: { tokenizer?: string },
) => Promise<LoadedModel>;

/** Reads a reward model with @allo/model's loaders: a Hugging Face directory or a llama2.c checkpoint. */
export async function loadRewardModel(
  modelPath: string,
  options: { tokenizer?: string },
): Promise<LoadedModel> {
  if (isHfDirectory(modelPath)) return loadHfDirectory(modelPath, options);
  if (await looksLikeLlama2c(modelPath)) return loadLlama2c(modelPath, options);
  throw errors.modelUnsupported(
    modelPath,
    'the reward model is neither a Hugging Face directory (config.json + model.safetensors) nor a llama2.c checkpoint; set tokenScorer.options.model to one of those',
  );
}

/** Fills the template's placeholders (each may appear any number of times). */
export function fillTemplate(
  template: string,
  fields: { prompt: string; chosen: string; rejected: string },
): string {
  return template.replace(
    /\{(prompt|chosen|rejected)\}/g,
    (_, key: 'prompt' | 'chosen' | 'rejected') => fields[key],
  );
}

/**
 * The texts a pair's ids stand for, without the BOS that starts the prompt and the EOS that ends
 * each response, trimmed: a tokenizer with a dummy prefix decodes its own leading space, and the
 * template, not the tokenizer, decides the spacing around a placeholder.
 */
export function pairTexts(
  pair: TokenizedPair,
  tokenizer: Tokenizer,
): { prompt: string; chosen: string; rejected: string } {
  const strip = (ids: readonly number[], first: number | null, last: number | null) => {
    const start = first !== null && ids[0] === first ? 1 : 0;
    const end = last !== null && ids[ids.length - 1] === last ? ids.length - 1 : ids.length;
    return tokenizer.decode(ids.slice(start, end)).trim();
  };
  return {
    prompt: strip(pair.promptIds, tokenizer.bosId, null),
    chosen: strip(pair.chosenIds, null, tokenizer.eosId),
    rejected: strip(pair.rejectedIds, null, tokenizer.eosId),
  };
}

export function weightsFromProbabilities(
  p: Float32Array,
  options: Pick<RewardModelOptions, 'weights' | 'threshold'>,
): Float32Array {
  if (options.weights === 'raw') return Float32Array.from(p);
  if (options.weights === 'one-minus-p') return Float32Array.from(p, (x) => 1 - x);
  return Float32Array.from(p, (x) => (x < options.threshold ? 1 : 0));
}

const PROBE = 'The quick brown fox jumps over the lazy dog. 0123456789 +-*/=';

/**
 * The scored tokens are the policy's own response ids, fed to the reward model after the
 * rewriting prompt; that is only meaningful when both use one tokenizer. Checked: equal
 * vocabulary sizes (tokenizers and the reward model's embedding) and equal ids for a probe text.
 */
export function checkSameTokenizer(where: string, reward: LoadedModel, policy: Tokenizer): void {
  const sizes = [policy.vocabSize, reward.tokenizer.vocabSize, reward.model.config.vocabSize];
  if (new Set(sizes).size !== 1) {
    throw errors.modelInvalid(
      where,
      `the reward model must share the policy's tokenizer, so that its token probabilities line up with the policy's response tokens: expected vocabulary size ${policy.vocabSize} (the policy's), got tokenizer ${reward.tokenizer.vocabSize} and model ${reward.model.config.vocabSize}`,
    );
  }
  const a = policy.encode(PROBE);
  const b = reward.tokenizer.encode(PROBE);
  if (a.length !== b.length || a.some((id, i) => id !== b[i])) {
    throw errors.modelInvalid(
      where,
      `the reward model's tokenizer encodes a probe text differently from the policy's (${b.length} ids against ${a.length}); both must use one tokenizer`,
    );
  }
}

export interface RewardModelScorer extends TokenScorer {
  /** Frees the reward model's weights. */
  dispose(): void;
}

export function createRewardModelScorer(
  options: RewardModelOptions,
  context: PluginContext,
  load: LoadRewardModel = loadRewardModel,
): RewardModelScorer {
  const modelPath = path.resolve(context.configDir, options.model);
  const tokenizerPath =
    options.tokenizer === null ? undefined : path.resolve(context.configDir, options.tokenizer);
  let loaded: Promise<LoadedModel> | null = null;
  let checkedFor: Tokenizer | null = null;

  async function rewardModel(policyTokenizer: Tokenizer): Promise<LoadedModel> {
    loaded ??= load(
      modelPath,
      tokenizerPath === undefined ? {} : { tokenizer: tokenizerPath },
    ).then((m) => {
      context.logger.info(`reward model loaded from ${modelPath} (${m.source.format})`);
      return m;
    });
    const reward = await loaded;
    if (checkedFor !== policyTokenizer) {
      checkSameTokenizer(modelPath, reward, policyTokenizer);
      checkedFor = policyTokenizer;
    }
    return reward;
  }

  return {
    needs: 'model',
    async score(input: TokenScoreInput) {
      const reward = await rewardModel(input.tokenizer);
      const bos = reward.tokenizer.bosId;
      const rows = input.pairs.map((pair) => ({
        promptIds: [
          ...(bos === null ? [] : [bos]),
          ...reward.tokenizer.encode(
            fillTemplate(options.template, pairTexts(pair, input.tokenizer)),
          ),
        ],
        responseIds: input.response === 'rejected' ? pair.rejectedIds : pair.chosenIds,
      }));
      const limit = reward.model.config.maxPositions;
      rows.forEach((row, i) => {
        const length = row.promptIds.length + row.responseIds.length;
        if (length > limit) {
          throw errors.modelInvalid(
            modelPath,
            `pair "${input.pairs[i].id}": the rewriting prompt and the ${input.response} response are ${length} tokens, more than the reward model's ${limit} positions; shorten tokenScorer.options.template or the data's max length`,
          );
        }
      });
      const out: Float32Array[] = [];
      for (let start = 0; start < rows.length; start += options.batchSize) {
        const chunk = rows.slice(start, start + options.batchSize);
        const batch = buildBatch(chunk, reward.tokenizer.padId);
        const probs = tf.tidy(() =>
          tf.exp(reward.model.tokenLogProbs(batch.ids, batch.attentionMask)),
        );
        const T = batch.ids.shape[1];
        disposeBatch(batch);
        const flat = (await probs.data()) as Float32Array;
        probs.dispose();
        chunk.forEach((row, i) => {
          const begin = i * T + row.promptIds.length;
          out.push(
            weightsFromProbabilities(flat.slice(begin, begin + row.responseIds.length), options),
          );
        });
      }
      return out;
    },
    dispose() {
      void loaded?.then((m) => m.model.dispose());
      loaded = null;
    },
  };
}

export const rewardModelPlugin = definePlugin<'tokenScorer', RewardModelOptions>({
  id: ID,
  kind: 'tokenScorer',
  version: '0.1.0',
  description:
    "the paper's scorer: token probabilities of the wrong response under a generative rewriting reward model",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['model'],
    properties: {
      model: {
        description:
          "Reward model path (read by the run's model loader), relative to the config file.",
        type: 'string',
        format: 'path',
        minLength: 1,
      },
      tokenizer: {
        description:
          'Tokenizer path for the reward model, relative to the config; null lets the loader find it.',
        type: ['string', 'null'],
        format: 'path',
        default: null,
      },
      template: {
        description:
          'Rewriting prompt with {prompt}, {chosen} and {rejected} placeholders; the scored response follows it.',
        type: 'string',
        default: DEFAULT_TEMPLATE,
      },
      weights: {
        description: 'raw: p; one-minus-p: 1 − p; threshold: 1 where p < threshold.',
        type: 'string',
        enum: ['raw', 'one-minus-p', 'threshold'],
        default: 'one-minus-p',
      },
      threshold: {
        description: 'Probability below which a token weighs 1 in threshold mode.',
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.5,
      },
      batchSize: {
        description: 'Pairs per forward pass of the reward model.',
        type: 'integer',
        minimum: 1,
        default: 4,
      },
    },
  },
  register: bindFactory('tokenScorer', (options: RewardModelOptions, context) =>
    createRewardModelScorer(options, context),
  ),
});
