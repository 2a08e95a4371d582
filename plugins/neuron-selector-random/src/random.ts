// A control selector: a uniformly random subset of the eligible elements (or rows), of exactly
// round(ratio · N) units, seeded, so that "the mask matters" can be tested against "any mask of
// the same size does".
import {
  bindFactory,
  definePlugin,
  eligibleParameters,
  expandRows,
  maskFromIndices,
  ratioProperty,
  rowLayout,
  selectorScopeProperties,
} from '@allo/core';
import type {
  NamedParameter,
  NeuronSelector,
  PluginContext,
  SelectorInput,
  SelectorScopeOptions,
} from '@allo/core';

export interface RandomSelectorOptions extends SelectorScopeOptions {
  /** Fraction of eligible units selected: exactly round(ratio · N). */
  ratio: number;
  /** Mixed with the run's seed, so that two selectors in one run can differ. */
  seed: number;
}

export const ID = 'random';

/** mulberry32: a small 32-bit generator, plenty for sampling indices; returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One 32-bit seed from the run's seed and the option's (a splitmix-style mix of both). */
export function mixSeeds(runSeed: number, optionSeed: number): number {
  let h = (Math.imul(runSeed | 0, 0x9e3779b1) ^ Math.imul(optionSeed | 0, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Splits `total` units over tensors of the given sizes in proportion (largest remainder, ties to
 * the earlier tensor): each count is floor or ceil of ratio · size, and they sum to total.
 */
export function apportion(sizes: readonly number[], ratio: number, total: number): number[] {
  const quotas = sizes.map((n) => n * ratio);
  const counts = quotas.map((q, i) => Math.min(sizes[i], Math.floor(q)));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = quotas
    .map((q, i) => [q - Math.floor(q), i])
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    if (counts[i] < sizes[i]) {
      counts[i] += 1;
      left -= 1;
    }
  }
  return counts;
}

/**
 * k distinct values of 0..n−1, ascending: a partial Fisher–Yates shuffle, over a sparse swap
 * table when k is small against n (memory O(k)) and over a dense permutation otherwise.
 */
export function sampleIndices(n: number, k: number, random: () => number): Int32Array {
  if (4 * k > n) {
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i += 1) perm[i] = i;
    for (let i = 0; i < k; i += 1) {
      const j = i + Math.floor(random() * (n - i));
      const v = perm[j];
      perm[j] = perm[i];
      perm[i] = v;
    }
    return perm.slice(0, k).sort();
  }
  const swapped = new Map<number, number>();
  const out = new Int32Array(k);
  for (let i = 0; i < k; i += 1) {
    const j = i + Math.floor(random() * (n - i));
    const atJ = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out[i] = atJ;
  }
  return out.sort();
}

function units(p: NamedParameter, granularity: SelectorScopeOptions['granularity']): number {
  return granularity === 'row' ? rowLayout(p).rows : p.variable.size;
}

export function createRandomSelector(
  options: RandomSelectorOptions,
  context: PluginContext,
): NeuronSelector {
  return {
    needs: 'nothing',
    async select(input: SelectorInput) {
      const eligible = eligibleParameters(input.parameters, options);
      const sizes = eligible.map((p) => units(p, options.granularity));
      const n = sizes.reduce((a, b) => a + b, 0);
      const total = Math.round(n * options.ratio);
      const counts = apportion(sizes, options.ratio, total);
      const random = mulberry32(mixSeeds(context.seed, options.seed));
      const indices = new Map<string, Int32Array>();
      eligible.forEach((p, t) => {
        const picked = sampleIndices(sizes[t], counts[t], random);
        if (options.granularity === 'element') {
          indices.set(p.name, picked);
          return;
        }
        const rows = new Uint8Array(sizes[t]);
        for (const r of picked) rows[r] = 1;
        indices.set(p.name, expandRows(p, rows));
      });
      const mask = maskFromIndices(input.parameters, indices);
      context.logger.info(
        `selected ${total} of ${n} eligible ${options.granularity}s at random (${mask.selected} of ${mask.total} elements, share ${mask.share.toFixed(6)})`,
      );
      return mask;
    },
  };
}

export const randomPlugin = definePlugin<'neuronSelector', RandomSelectorOptions>({
  id: ID,
  kind: 'neuronSelector',
  version: '0.1.0',
  description:
    'a seeded, uniformly random mask of exactly round(ratio · N) eligible elements (a control)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ratio: ratioProperty(
        0.05,
        'Fraction of eligible elements selected: exactly round(ratio · N).',
      ),
      seed: { description: 'Mixed with the run seed.', type: 'integer', default: 0 },
      ...selectorScopeProperties,
    },
  },
  register: bindFactory('neuronSelector', createRandomSelector),
});
