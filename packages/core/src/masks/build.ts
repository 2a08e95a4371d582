// Building ParameterMasks: from per-unit flags, from a score band (top r minus top l, the
// official ALLO selection), and the full mask.
import { errors } from '../errors.js';
import type { NamedParameter, ParameterMask, TensorMask } from '../types.js';
import { eligibleParameters } from './eligibility.js';
import type { ScoreArray } from './kth-largest.js';
import { kthLargestInPlace } from './kth-largest.js';
import type { SelectorScopeOptions } from './options.js';
import { expandRows, rowScores } from './rows.js';

/**
 * How many units a fraction of n names: floor(n · ratio), as the official script's
 * `N * per // 100`. The product is rounded to 1e-6 first so that a ratio written in decimal
 * (0.29 · 100 = 28.999999999999996 in binary) names the count its decimal value means.
 */
export function countForRatio(n: number, ratio: number): number {
  return Math.min(n, Math.floor(Math.round(n * ratio * 1e6) / 1e6));
}

/** A mask that selects the given ascending indices per tensor; every parameter appears. */
export function maskFromIndices(
  parameters: readonly NamedParameter[],
  indices: ReadonlyMap<string, Int32Array>,
): ParameterMask {
  const tensors = new Map<string, TensorMask>();
  let selected = 0;
  let total = 0;
  for (const p of parameters) {
    const chosen = indices.get(p.name) ?? new Int32Array(0);
    tensors.set(p.name, { name: p.name, size: p.variable.size, indices: chosen });
    selected += chosen.length;
    total += p.variable.size;
  }
  return { tensors, share: total === 0 ? 0 : selected / total, selected, total };
}

/** Every element of every eligible parameter (vanilla training when all are eligible). */
export function fullMask(
  parameters: readonly NamedParameter[],
  scope?: Partial<SelectorScopeOptions>,
): ParameterMask {
  const indices = new Map<string, Int32Array>();
  for (const p of eligibleParameters(parameters, { ...defaultScope, ...scope })) {
    const all = new Int32Array(p.variable.size);
    for (let i = 0; i < all.length; i += 1) all[i] = i;
    indices.set(p.name, all);
  }
  return maskFromIndices(parameters, indices);
}

const defaultScope: SelectorScopeOptions = {
  tensors: 'all',
  embeddings: 'include',
  norms: 'include',
  granularity: 'element',
};

export interface BandOptions {
  /** Fraction of eligible units kept from the top (the paper's r, as a fraction). */
  ratio: number;
  /** Fraction of eligible units removed from the very top (the paper's l); 0 removes none. */
  exclude: number;
  scope: SelectorScopeOptions;
}

/** What a band selection decided, for logs and reports. */
export interface BandResult {
  mask: ParameterMask;
  /** Eligible units (elements, or rows) ranked together. */
  units: number;
  /** Units the ratios name: floor(units · ratio) and floor(units · exclude). */
  keepCount: number;
  excludeCount: number;
  /** Thresholds on the score: kept units have lowerThreshold ≤ score < upperThreshold. */
  lowerThreshold: number;
  upperThreshold: number;
  /** Units actually selected (more than keepCount − excludeCount when scores tie). */
  selectedUnits: number;
}

/**
 * The global band "top ratio minus top exclude" over all eligible tensors together, as the
 * official ALLO script builds it: r_thr = the k_r-th largest score (k_r = floor(N · ratio)),
 * l_thr likewise, and a unit is kept when score ≥ r_thr and not score ≥ l_thr.
 *
 * Ties rule: every unit whose score equals r_thr is kept and every unit whose score equals l_thr
 * is removed, so the achieved count can differ from k_r − k_l when scores tie at a threshold;
 * the returned mask reports the achieved count and share. k = 0 keeps (or removes) nothing.
 * With row granularity a row's score is the sum of |score| over the row.
 */
export function bandMask(
  parameters: readonly NamedParameter[],
  scores: ReadonlyMap<string, ScoreArray>,
  options: BandOptions,
): BandResult {
  const eligible = eligibleParameters(parameters, options.scope);
  const units = new Map<string, ScoreArray>();
  let n = 0;
  for (const p of eligible) {
    const s = scores.get(p.name);
    if (s === undefined)
      throw errors.maskInvalid(
        `scores["${p.name}"]`,
        `no score for eligible parameter "${p.name}"; expected ${p.variable.size} values`,
      );
    if (s.length !== p.variable.size) {
      throw errors.maskInvalid(
        `scores["${p.name}"]`,
        `expected ${p.variable.size} scores (shape [${p.variable.shape.join(', ')}]), got ${s.length}`,
      );
    }
    const u = options.scope.granularity === 'row' ? rowScores(p, s) : s;
    assertFinite(p.name, u);
    units.set(p.name, u);
    n += u.length;
  }

  const keepCount = countForRatio(n, options.ratio);
  const excludeCount = countForRatio(n, options.exclude);
  const work = new Float64Array(n);
  let offset = 0;
  for (const u of units.values()) {
    work.set(u, offset);
    offset += u.length;
  }
  const lowerThreshold = keepCount === 0 ? Infinity : kthLargestInPlace(work, keepCount);
  const upperThreshold = excludeCount === 0 ? Infinity : kthLargestInPlace(work, excludeCount);

  const indices = new Map<string, Int32Array>();
  let selectedUnits = 0;
  for (const p of eligible) {
    const u = units.get(p.name)!;
    const keep = new Uint8Array(u.length);
    let count = 0;
    for (let i = 0; i < u.length; i += 1) {
      if (u[i] >= lowerThreshold && !(u[i] >= upperThreshold)) {
        keep[i] = 1;
        count += 1;
      }
    }
    selectedUnits += count;
    indices.set(
      p.name,
      options.scope.granularity === 'row' ? expandRows(p, keep) : flagsToIndices(keep, count),
    );
  }
  const mask = maskFromIndices(parameters, indices);
  return { mask, units: n, keepCount, excludeCount, lowerThreshold, upperThreshold, selectedUnits };
}

/** Ascending indices of the set flags (count of them given). */
export function flagsToIndices(flags: Uint8Array, count?: number): Int32Array {
  let c = count;
  if (c === undefined) {
    c = 0;
    for (let i = 0; i < flags.length; i += 1) c += flags[i];
  }
  const out = new Int32Array(c);
  let n = 0;
  for (let i = 0; i < flags.length; i += 1) if (flags[i] === 1) out[n++] = i;
  return out;
}

function assertFinite(name: string, values: ScoreArray): void {
  for (let i = 0; i < values.length; i += 1) {
    if (!Number.isFinite(values[i])) {
      throw errors.maskInvalid(
        `scores["${name}"][${i}]`,
        `expected a finite score, got ${values[i]}; the warm-up or the gradients diverged`,
      );
    }
  }
}
