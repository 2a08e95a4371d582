import { describe, expect, it } from 'vitest';

import { planBatches } from './run-schedule.js';
import { batchOrder } from './shuffle.js';

describe('planBatches', () => {
  it('re-indexes the first steps of the seeded order onto the rows they visit', () => {
    const order = batchOrder(10, 3, 7);
    const raw = [order.next().value, order.next().value] as number[][];
    const { batches, used } = planBatches(10, 3, 7, 2);
    expect(used).toEqual([...raw.flat()].sort((a, b) => a - b));
    expect(used).toHaveLength(6);
    expect(batches.map((b) => b.map((i) => used[i]))).toEqual(raw);
  });

  it('visits every row once steps cover an epoch, and repeats rows across epochs', () => {
    const { used, batches } = planBatches(5, 2, 1, 6);
    expect(used).toEqual([0, 1, 2, 3, 4]);
    expect(batches.flat()).toHaveLength(10);
  });
});
