// Counting dropped rows by reason: every loader and the tokenisation path report through these,
// so that `allo data`, the log and run.json show one set of numbers.
import type { DropCounts, DropReason } from '../types.js';

/** Adds n rows dropped for `reason` to `counts` (in place). */
export function countDrop(counts: DropCounts, reason: DropReason, n = 1): void {
  counts[reason] = (counts[reason] ?? 0) + n;
}

/** Sums several drop counts into a new object; reasons with no row are left out. */
export function mergeDropCounts(...all: readonly DropCounts[]): DropCounts {
  const merged: DropCounts = {};
  for (const counts of all) {
    for (const [reason, n] of Object.entries(counts) as Array<[DropReason, number | undefined]>) {
      if (n !== undefined && n > 0) countDrop(merged, reason, n);
    }
  }
  return merged;
}

/** Total rows dropped, over every reason. */
export function totalDropped(counts: DropCounts): number {
  return Object.values(counts).reduce<number>((sum, n) => sum + (n ?? 0), 0);
}
