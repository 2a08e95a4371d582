import { describe, expect, it } from 'vitest';

import { seededPermutation, seededRandom, splitRecords, splitSize } from './split.js';

const rows = Array.from({ length: 20 }, (_, i) => i);

describe('splitRecords', () => {
  it('holds out a count or a fraction, deterministically from the seed, keeping file order', () => {
    const a = splitRecords(rows, { eval: 4, validation: 0.1, seed: 7 });
    expect(a.eval).toHaveLength(4);
    expect(a.validation).toHaveLength(2);
    expect(a.train).toHaveLength(14);
    expect([...a.train, ...a.validation, ...a.eval].sort((x, y) => x - y)).toEqual(rows);
    expect(a.eval).toEqual([...a.eval].sort((x, y) => x - y));
    expect(splitRecords(rows, { eval: 4, validation: 0.1, seed: 7 })).toEqual(a);
    expect(splitRecords(rows, { eval: 4, validation: 0.1, seed: 8 }).eval).not.toEqual(a.eval);
  });

  it('keeps a group in one split', () => {
    const records = rows.map((i) => ({ i, group: `g${i % 5}` }));
    const s = splitRecords(records, { eval: 2, seed: 3, groupOf: (r) => r.group });
    expect(s.eval).toHaveLength(8);
    const evalGroups = new Set(s.eval.map((r) => r.group));
    expect(evalGroups.size).toBe(2);
    expect(s.train.some((r) => evalGroups.has(r.group))).toBe(false);
  });

  it('refuses sizes that leave no training row, and bad sizes', () => {
    expect(() => splitRecords(rows, { eval: 15, validation: 5, seed: 1 })).toThrow(
      'data: eval (15) + validation (5) rows leave no training row out of 20',
    );
    expect(() => splitSize(2.5, 10, 'eval')).toThrow(
      'data.eval: a count of rows must be a whole number, got 2.5',
    );
    expect(splitSize(0.25, 10, 'eval')).toBe(3);
    expect(splitSize(0, 10, 'eval')).toBe(0);
  });

  it('uses mulberry32 (first draws for seed 1) and a full permutation', () => {
    const random = seededRandom(1);
    expect(random()).toBeCloseTo(0.6270739405881613, 15);
    expect(random()).toBeCloseTo(0.002735721180215478, 15);
    expect([...seededPermutation(10, 5)].sort((x, y) => x - y)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });
});
