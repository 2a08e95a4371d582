// Seeded train / validation / eval splits. The shuffle has its own seed (data.splitSeed), not the
// run's, so that changing the training seed never moves a row between train and eval.
import { errors } from '../errors.js';

export interface SplitOptions<T = unknown> {
  /** Eval rows: a count (>= 1) or a fraction of all rows (< 1); 0 for none. */
  eval: number;
  /** Validation rows, likewise; default 0. */
  validation?: number;
  seed: number;
  /** Rows with one group key land in one split (pairs and rejected responses of one problem). */
  groupOf?: (record: T) => string;
}

export interface Splits<T> {
  train: T[];
  validation: T[];
  eval: T[];
}

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function seededPermutation(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  for (let i = n - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** How many of n units a size asks for: a fraction below 1 (rounded), else a whole count. */
export function splitSize(size: number, n: number, name: string): number {
  if (!Number.isFinite(size) || size < 0) {
    throw errors.dataInvalid(
      `data.${name}`,
      null,
      `expected a count >= 1 or a fraction in [0, 1), got ${size}`,
    );
  }
  if (size < 1) return Math.round(size * n);
  if (!Number.isInteger(size)) {
    throw errors.dataInvalid(
      `data.${name}`,
      null,
      `a count of rows must be a whole number, got ${size}`,
    );
  }
  return size;
}

/**
 * Splits records by a seeded shuffle of their groups (each record its own group unless
 * `groupOf` says otherwise). Each split keeps the records' original order.
 */
export function splitRecords<T>(records: readonly T[], options: SplitOptions<T>): Splits<T> {
  const groupOf = options.groupOf ?? null;
  const keys: string[] = [];
  const groupIndex = new Map<string, number>();
  const recordGroup = records.map((record, i) => {
    const key = groupOf === null ? String(i) : groupOf(record);
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = keys.length;
      keys.push(key);
      groupIndex.set(key, g);
    }
    return g;
  });

  const n = keys.length;
  const nEval = splitSize(options.eval, n, 'eval');
  const nValidation = splitSize(options.validation ?? 0, n, 'validation');
  if (nEval + nValidation >= n && n > 0) {
    throw errors.dataEmpty(
      `data: eval (${nEval}) + validation (${nValidation}) rows leave no training row out of ${n}; lower data.eval or data.validation`,
    );
  }

  const order = seededPermutation(n, options.seed);
  const splitOfGroup = new Uint8Array(n); // 0 train, 1 validation, 2 eval
  order.forEach((g, rank) => {
    splitOfGroup[g] = rank < nEval ? 2 : rank < nEval + nValidation ? 1 : 0;
  });

  const out: Splits<T> = { train: [], validation: [], eval: [] };
  records.forEach((record, i) => {
    const s = splitOfGroup[recordGroup[i]];
    (s === 2 ? out.eval : s === 1 ? out.validation : out.train).push(record);
  });
  return out;
}
