// The ALLO objectives from @allo/core on the real stories260K forward, against the float64
// PyTorch values of assets/fixtures/allo-reference.json (`dpo`, `key_token_dpo`, `token_npo`).
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { assetPath, buildBatch, disposeBatch, dpoLoss, keyTokenDpoLoss, npoLoss } from '@allo/core';
import type { CausalLM, ObjectiveOutput, PairLogps } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { loadLlama2cModel } from '@allo/model';

const fixture = JSON.parse(readFileSync(assetPath('fixtures', 'allo-reference.json'), 'utf8'));
const pair = fixture.pair as Record<string, number[]>;

function near(actual: number, expected: number, tolerance = 1e-4): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

/** llama2.c tensor families (all layers together), as the fixture's gradient norms use them. */
const FAMILIES: Record<string, RegExp> = {
  wq: /self_attn\.q_proj\.weight$/,
  w1: /mlp\.gate_proj\.weight$/,
  tok_emb: /^model\.embed_tokens\.weight$/,
  rms_final: /^model\.norm\.weight$/,
};

let reference: CausalLM;
let policy: CausalLM;

beforeAll(async () => {
  await useCpuBackend();
  reference = loadLlama2cModel(assetPath('stories260K', 'stories260K.bin'));
  policy = reference.clone('policy');
  // The fixture's perturbed policy: layer 0's o_proj × 1.25 and layer 4's down_proj × 0.8.
  for (const [name, factor] of [
    ['model.layers.0.self_attn.o_proj.weight', 1.25],
    ['model.layers.4.mlp.down_proj.weight', 0.8],
  ] as const) {
    const variable = policy.parameters.find((p) => p.name === name)!.variable;
    variable.assign(tf.tidy(() => tf.mul(variable, factor)));
  }
});

/** Runs `objective` on the fixture pair (one forward of chosen and rejected) and returns loss and gradient norms. */
function run(objective: (input: PairLogps) => ObjectiveOutput): {
  loss: number;
  norms: Record<string, number>;
  grads: Map<string, Float32Array>;
} {
  const batch = buildBatch(
    [
      { promptIds: pair.prompt_ids, responseIds: pair.chosen_ids },
      { promptIds: pair.prompt_ids, responseIds: pair.rejected_ids },
    ],
    0,
  );
  const T = batch.ids.shape[1];
  const half = (x: tf.Tensor2D, k: number) => tf.slice(x, [k, 0], [1, T]) as tf.Tensor2D;
  const ref = tf.tidy(() => reference.tokenLogProbs(batch.ids, batch.attentionMask));
  const { value, grads } = tf.variableGrads(
    () => {
      const logps = policy.tokenLogProbs(batch.ids, batch.attentionMask);
      return objective({
        policyChosen: half(logps, 0),
        referenceChosen: half(ref, 0),
        chosenMask: half(batch.lossMask, 0),
        policyRejected: half(logps, 1),
        referenceRejected: half(ref, 1),
        rejectedMask: half(batch.lossMask, 1),
      }).loss;
    },
    policy.parameters.map((p) => p.variable),
  );
  const byName = new Map(
    policy.parameters.map((p) => [p.name, grads[p.variable.name].dataSync() as Float32Array]),
  );
  const norms: Record<string, number> = {};
  for (const [family, pattern] of Object.entries(FAMILIES)) {
    let total = 0;
    for (const [name, g] of byName) if (pattern.test(name)) for (const x of g) total += x * x;
    norms[family] = Math.sqrt(total);
  }
  const loss = value.dataSync()[0];
  tf.dispose([value, ref, ...Object.values(grads)]);
  disposeBatch(batch);
  return { loss, norms, grads: byName };
}

describe('ALLO objectives on stories260K against allo-reference.json', () => {
  it('dpo: loss, gradient norms of wq, w1, tok_emb, rms_final, and q_proj row 0', () => {
    const out = run((input) =>
      dpoLoss(input, {
        type: 'dpo',
        beta: fixture.dpo.beta,
        variant: 'sigmoid',
        labelSmoothing: 0,
        reduction: 'sum',
      }),
    );
    near(out.loss, fixture.dpo.loss);
    for (const family of Object.keys(FAMILIES))
      near(out.norms[family], fixture.dpo.grad_l2[family]);
    const row0 = out.grads.get('model.layers.0.self_attn.q_proj.weight')!.slice(0, 4);
    Array.from(row0).forEach((v, i) =>
      expect(Math.abs(v - fixture.dpo.grad_wq_layer0_row0_first4[i])).toBeLessThan(1e-4 * 0.03),
    );
  });

  it('key_token_dpo (eps 0.5): loss and the wq gradient norm', () => {
    const out = run((input) =>
      keyTokenDpoLoss(input, {
        type: 'key-token-dpo',
        beta: fixture.dpo.beta,
        eps: fixture.key_token_dpo.eps,
        reduction: 'sum',
      }),
    );
    near(out.loss, fixture.key_token_dpo.loss);
    near(out.norms.wq, fixture.key_token_dpo.grad_l2_wq);
  });

  it('token_npo: loss and the w1 gradient norm, leaking no tensor', () => {
    const before = tf.memory().numTensors;
    const out = run((input) => {
      const weights = tf.tensor2d([
        [...new Array(pair.prompt_ids.length).fill(0), ...fixture.token_npo.weights],
      ]);
      return npoLoss(
        {
          policy: input.policyRejected,
          reference: input.referenceRejected,
          mask: input.rejectedMask,
          weights,
        },
        { beta: fixture.token_npo.beta },
      );
    });
    near(out.loss, fixture.token_npo.loss);
    near(out.norms.w1, fixture.token_npo.grad_l2_w1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
