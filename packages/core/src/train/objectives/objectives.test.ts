import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { assetPath } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';

import { dpoLoss } from './dpo.js';
import { keyTokenDpoLoss, keyTokenMask } from './key-token-dpo.js';
import { npoLoss } from './npo.js';
import { sftLoss } from './sft.js';
import type { PairLogps } from './types.js';

const fixture = JSON.parse(readFileSync(assetPath('fixtures', 'allo-reference.json'), 'utf8'));
const pair = fixture.pair;

function row(values: number[], length: number): tf.Tensor2D {
  const padded = [...values, ...new Array(length - values.length).fill(0)];
  return tf.tensor2d([padded]);
}

function maskRow(count: number, length: number): tf.Tensor2D {
  return tf.tensor2d([Array.from({ length }, (_, t) => (t < count ? 1 : 0))]);
}

/** The fixture pair, padded to a common length of 22 so padding is exercised. */
function fixtureLogps(): PairLogps {
  const T = 22;
  return {
    policyChosen: row(pair.policy_chosen_logps, T),
    referenceChosen: row(pair.ref_chosen_logps, T),
    chosenMask: maskRow(pair.chosen_ids.length, T),
    policyRejected: row(pair.policy_rejected_logps, T),
    referenceRejected: row(pair.ref_rejected_logps, T),
    rejectedMask: maskRow(pair.rejected_ids.length, T),
  };
}

function read(metrics: Record<string, tf.Scalar>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, v.dataSync()[0]]));
}

function relClose(actual: number, expected: number, tolerance = 1e-4): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(Math.abs(expected), 1e-12),
  );
}

beforeAll(useCpuBackend);

describe('dpoLoss', () => {
  it('reproduces the fixture loss and rewards (sigmoid, sum, beta 0.1)', () => {
    tf.tidy(() => {
      const out = dpoLoss(fixtureLogps(), {
        type: 'dpo',
        beta: 0.1,
        variant: 'sigmoid',
        labelSmoothing: 0,
        reduction: 'sum',
      });
      relClose(out.loss.dataSync()[0], fixture.dpo.loss);
      const m = read(out.metrics);
      relClose(m['rewards/chosen'], fixture.dpo.chosen_reward);
      relClose(m['rewards/rejected'], fixture.dpo.rejected_reward);
      relClose(m['rewards/margins'], fixture.dpo.chosen_reward - fixture.dpo.rejected_reward);
      expect(m['rewards/accuracies']).toBe(0);
      relClose(
        m['logps/chosen'],
        pair.policy_chosen_logps.reduce((a: number, b: number) => a + b, 0),
      );
      expect(m['tokens/selected']).toBe(20);
    });
  });

  it('computes ipo, hinge, label smoothing and mean reduction by hand', () => {
    tf.tidy(() => {
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const diff = (a: number[], b: number[]) => a.map((x, i) => x - b[i]);
      const c = diff(pair.policy_chosen_logps, pair.ref_chosen_logps);
      const r = diff(pair.policy_rejected_logps, pair.ref_rejected_logps);
      const hSum = sum(c) - sum(r);
      const hMean = sum(c) / c.length - sum(r) / r.length;
      const ls = (x: number) => -Math.log1p(Math.exp(-x));
      const beta = 0.1;
      const spec = { type: 'dpo' as const, beta, labelSmoothing: 0, reduction: 'sum' as const };
      relClose(
        dpoLoss(fixtureLogps(), { ...spec, variant: 'ipo' }).loss.dataSync()[0],
        (hSum - 1 / (2 * beta)) ** 2,
      );
      relClose(
        dpoLoss(fixtureLogps(), { ...spec, variant: 'hinge' }).loss.dataSync()[0],
        Math.max(0, 1 - beta * hSum),
      );
      relClose(
        dpoLoss(fixtureLogps(), {
          ...spec,
          variant: 'sigmoid',
          labelSmoothing: 0.2,
        }).loss.dataSync()[0],
        -0.8 * ls(beta * hSum) - 0.2 * ls(-beta * hSum),
      );
      relClose(
        dpoLoss(fixtureLogps(), {
          ...spec,
          variant: 'sigmoid',
          reduction: 'mean',
        }).loss.dataSync()[0],
        -ls(beta * hMean),
      );
    });
  });

  it('is ln 2 with non-zero gradient when the policy equals the reference', () => {
    tf.tidy(() => {
      const input = fixtureLogps();
      const same = {
        ...input,
        referenceChosen: input.policyChosen,
        referenceRejected: input.policyRejected,
      };
      const spec = {
        type: 'dpo' as const,
        beta: 0.1,
        variant: 'sigmoid' as const,
        labelSmoothing: 0,
        reduction: 'sum' as const,
      };
      relClose(dpoLoss(same, spec).loss.dataSync()[0], Math.LN2, 1e-6);
      const frozen = {
        referenceChosen: tf.clone(input.policyChosen),
        referenceRejected: tf.clone(input.policyRejected),
      };
      const grad = tf.grad(
        (policyChosen: tf.Tensor) =>
          dpoLoss({ ...input, ...frozen, policyChosen: policyChosen as tf.Tensor2D }, spec).loss,
      )(input.policyChosen);
      const g = grad.dataSync();
      // dL/dπ_c(t) = −β σ(−0) = −0.05 on every chosen token, 0 on padding.
      expect(g[0]).toBeCloseTo(-0.05, 7);
      expect(g[16]).toBeCloseTo(-0.05, 7);
      expect(Math.abs(g[17])).toBe(0);
    });
  });
});

describe('keyTokenDpoLoss', () => {
  it('reproduces the fixture selection and loss (eps 0.5)', () => {
    tf.tidy(() => {
      const input = fixtureLogps();
      const ratios = tf.sub(input.policyRejected, input.referenceRejected) as tf.Tensor2D;
      const kept = keyTokenMask(ratios, input.rejectedMask, fixture.key_token_dpo.eps).dataSync();
      const positions = Array.from(kept).flatMap((v, t) => (v === 1 ? [t] : []));
      expect(positions).toEqual(fixture.key_token_dpo.selected_rejected_positions);
      const out = keyTokenDpoLoss(input, {
        type: 'key-token-dpo',
        beta: 0.1,
        eps: 0.5,
        reduction: 'sum',
      });
      relClose(out.loss.dataSync()[0], fixture.key_token_dpo.loss);
      expect(read(out.metrics)['tokens/selected']).toBe(10);
    });
  });

  it('keeps every token when all ratios are equal, one token when eps·T < 1, none for eps 0', () => {
    tf.tidy(() => {
      const mask = tf.tensor2d([
        [1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1],
      ]);
      const equal = tf.tensor2d([
        [0.5, 0.5, 0.5, 0.5, -9],
        [-1, -3, -2, -3, 0],
      ]);
      expect(Array.from(keyTokenMask(equal, mask, 0.5).dataSync())).toEqual([
        1, 1, 1, 1, 0, 0, 1, 0, 1, 0,
      ]);
      // eps·T = 0.4 and 0.5: one token each, the most negative (ties: earliest position).
      expect(Array.from(keyTokenMask(equal, mask, 0.1).dataSync())).toEqual([
        1, 1, 1, 1, 0, 0, 1, 0, 0, 0,
      ]);
      expect(Array.from(keyTokenMask(equal, mask, 0).dataSync())).toEqual(new Array(10).fill(0));
      expect(Array.from(keyTokenMask(equal, mask, 1).dataSync())).toEqual([
        1, 1, 1, 1, 0, 1, 1, 1, 1, 1,
      ]);
    });
  });

  it('equals DPO when eps is 1, and passes no gradient through the selection', () => {
    tf.tidy(() => {
      const input = fixtureLogps();
      const key = keyTokenDpoLoss(input, {
        type: 'key-token-dpo',
        beta: 0.1,
        eps: 1,
        reduction: 'sum',
      }).loss.dataSync()[0];
      relClose(key, fixture.dpo.loss);
      const grad = tf
        .grad(
          (policyRejected: tf.Tensor) =>
            keyTokenDpoLoss(
              { ...input, policyRejected: policyRejected as tf.Tensor2D },
              { type: 'key-token-dpo', beta: 0.1, eps: 0.5, reduction: 'sum' },
            ).loss,
        )(input.policyRejected)
        .dataSync();
      const selected = new Set<number>(fixture.key_token_dpo.selected_rejected_positions);
      const nonZero = Array.from(grad).flatMap((v, t) => (v !== 0 ? [t] : []));
      expect(nonZero).toEqual([...selected]);
    });
  });
});

describe('npoLoss', () => {
  it('reproduces the fixture token-weighted NPO loss', () => {
    tf.tidy(() => {
      const input = fixtureLogps();
      const out = npoLoss(
        {
          policy: input.policyRejected,
          reference: input.referenceRejected,
          mask: input.rejectedMask,
          weights: row(fixture.token_npo.weights, 22),
        },
        { beta: fixture.token_npo.beta },
      );
      relClose(out.loss.dataSync()[0], fixture.token_npo.loss);
      expect(read(out.metrics)['tokens/selected']).toBe(14);
    });
  });

  it('ignores a row whose weights are all zero, and is 0 when no weight is non-zero', () => {
    tf.tidy(() => {
      const policy = tf.tensor2d([
        [-1, -2],
        [-3, -4],
      ]);
      const reference = tf.tensor2d([
        [-1.5, -1],
        [-2, -4],
      ]);
      const mask = tf.ones([2, 2]) as tf.Tensor2D;
      const weights = tf.tensor2d([
        [1, 2],
        [0, 0],
      ]);
      const term = (x: number) => Math.log1p(Math.exp(0.1 * x));
      const expected = (1 * term(0.5) + 2 * term(-1)) / 2;
      relClose(
        npoLoss({ policy, reference, mask, weights }, { beta: 0.1 }).loss.dataSync()[0],
        expected,
        1e-6,
      );
      const zero = tf.zeros([2, 2]) as tf.Tensor2D;
      expect(
        npoLoss({ policy, reference, mask, weights: zero }, { beta: 0.1 }).loss.dataSync()[0],
      ).toBe(0);
      const g = tf.grad(
        (p: tf.Tensor) =>
          npoLoss({ policy: p as tf.Tensor2D, reference, mask, weights: zero }, { beta: 0.1 }).loss,
      )(policy);
      expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0]);
    });
  });
});

describe('sftLoss', () => {
  it('is the token mean or the row mean of summed NLL', () => {
    tf.tidy(() => {
      const policy = tf.tensor2d([
        [-1, -2, 0],
        [-4, 0, 0],
      ]);
      const mask = tf.tensor2d([
        [1, 1, 0],
        [1, 0, 0],
      ]);
      expect(sftLoss({ policy, mask }, { reduction: 'mean' }).loss.dataSync()[0]).toBeCloseTo(
        7 / 3,
        6,
      );
      expect(sftLoss({ policy, mask }, { reduction: 'sum' }).loss.dataSync()[0]).toBeCloseTo(
        3.5,
        6,
      );
    });
  });
});
