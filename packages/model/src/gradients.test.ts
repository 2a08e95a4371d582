import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import { assetPath, buildBatch, disposeBatch, logSigmoid } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadLlama2cModel } from './llama2c-checkpoint.js';

const fixture = JSON.parse(readFileSync(assetPath('fixtures', 'allo-reference.json'), 'utf8'));
const pair = fixture.pair as Record<string, number[]>;
const dpo = fixture.dpo as {
  beta: number;
  loss: number;
  grad_l2: Record<string, number>;
  grad_wq_layer0_row0_first4: number[];
};

function near(actual: number, expected: number, tolerance = 1e-4): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, Math.abs(expected)),
  );
}

describe('stories260K log-probs and gradients against allo-reference.json pair and dpo', () => {
  beforeAll(useCpuBackend);

  it('reproduces the per-token log-probs of the pair for the reference and the perturbed policy, and the DPO gradient', () => {
    const reference = loadLlama2cModel(assetPath('stories260K', 'stories260K.bin'));
    const policy = reference.clone('policy');
    // The fixture's policy: layer 0's o_proj × 1.25, layer 4's down_proj × 0.8.
    for (const [name, factor] of [
      ['model.layers.0.self_attn.o_proj.weight', 1.25],
      ['model.layers.4.mlp.down_proj.weight', 0.8],
    ] as const) {
      const variable = policy.parameters.find((p) => p.name === name)!.variable;
      variable.assign(tf.tidy(() => tf.mul(variable, factor)));
    }
    const P = pair.prompt_ids.length;
    const batch = buildBatch(
      [
        { promptIds: pair.prompt_ids, responseIds: pair.chosen_ids },
        { promptIds: pair.prompt_ids, responseIds: pair.rejected_ids },
      ],
      0,
    );
    const T = batch.ids.shape[1];
    const rows = (logps: tf.Tensor2D) => {
      const v = logps.dataSync();
      return [
        Array.from(v.slice(P, P + pair.chosen_ids.length)),
        Array.from(v.slice(T + P, T + P + pair.rejected_ids.length)),
      ];
    };
    const refLogps = reference.tokenLogProbs(batch.ids, batch.attentionMask);
    const [refChosen, refRejected] = rows(refLogps);
    refChosen.forEach((v, t) => near(v, pair.ref_chosen_logps[t]));
    refRejected.forEach((v, t) => near(v, pair.ref_rejected_logps[t]));

    const refSums = tf.sum(tf.mul(refLogps, batch.lossMask), 1);
    const names = policy.parameters.map((p) => p.name);
    const { value, grads } = tf.variableGrads(
      () => {
        const logps = policy.tokenLogProbs(batch.ids, batch.attentionMask);
        const [chosen, rejected] = rows(logps);
        chosen.forEach((v, t) => near(v, pair.policy_chosen_logps[t]));
        rejected.forEach((v, t) => near(v, pair.policy_rejected_logps[t]));
        const ratios = tf.sub(tf.sum(tf.mul(logps, batch.lossMask), 1), refSums);
        const [c, r] = tf.split(ratios, 2);
        // DPO (Rafailov et al. 2023, eq. 7) for one pair.
        return tf.neg(tf.sum(logSigmoid(tf.mul(tf.sub(c, r), dpo.beta)))) as tf.Scalar;
      },
      policy.parameters.map((p) => p.variable),
    );
    near(value.dataSync()[0], dpo.loss);
    const byName = new Map(
      names.map((name, i) => [name, grads[policy.parameters[i].variable.name]]),
    );
    const norm = (pattern: RegExp) => {
      let total = 0;
      for (const [name, g] of byName)
        if (pattern.test(name)) total += tf.sum(tf.square(g)).dataSync()[0];
      return Math.sqrt(total);
    };
    near(norm(/q_proj/), dpo.grad_l2.wq);
    near(norm(/gate_proj/), dpo.grad_l2.w1);
    near(norm(/embed_tokens/), dpo.grad_l2.tok_emb);
    near(norm(/^model\.norm/), dpo.grad_l2.rms_final);
    // Row 0 of q_proj is row 0 in both RoPE layouts (the permutation keeps it in place).
    const row0 = byName.get('model.layers.0.self_attn.q_proj.weight')!.dataSync().slice(0, 4);
    Array.from(row0).forEach((v, i) => near(v, dpo.grad_wq_layer0_row0_first4[i], 1e-3));
    tf.dispose([value, refLogps, refSums, ...Object.values(grads)]);
    disposeBatch(batch);
    reference.dispose();
    policy.dispose();
  });
});
