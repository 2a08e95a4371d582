// The exact k-th largest value of a set of scores, by selection (introselect: quickselect with
// median-of-three pivots, falling back to a sort of the remaining range when partitioning keeps
// going badly). Expected O(N), worst case O(N log N); the one working copy is the only memory.

export type ScoreArray = Float32Array | Float64Array;

/**
 * The k-th largest value (k counts from 1) over all the arrays together. Throws a RangeError
 * when k is outside 1..N. The inputs are not modified.
 */
export function kthLargest(arrays: readonly ScoreArray[], k: number): number {
  const work = concatenate(arrays);
  return kthLargestInPlace(work, k);
}

/** Like kthLargest, on one array that it reorders. */
export function kthLargestInPlace(work: ScoreArray, k: number): number {
  const n = work.length;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`kthLargest: k must be an integer in 1..${n}, got ${k}`);
  }
  // The k-th largest is the element at ascending position n - k.
  const target = n - k;
  let lo = 0;
  let hi = n - 1;
  let budget = 2 * Math.ceil(Math.log2(n + 1)) + 8;
  while (hi > lo) {
    if (budget === 0 || hi - lo < 16) {
      work.subarray(lo, hi + 1).sort();
      return work[target];
    }
    budget -= 1;
    const [lt, gt] = partition3(work, lo, hi, medianOfThree(work, lo, hi));
    if (target < lt) hi = lt - 1;
    else if (target > gt) lo = gt + 1;
    else return work[target];
  }
  return work[target];
}

function concatenate(arrays: readonly ScoreArray[]): Float64Array | Float32Array {
  const n = arrays.reduce((sum, a) => sum + a.length, 0);
  const wide = arrays.some((a) => a instanceof Float64Array);
  const work = wide ? new Float64Array(n) : new Float32Array(n);
  let offset = 0;
  for (const a of arrays) {
    work.set(a, offset);
    offset += a.length;
  }
  return work;
}

function medianOfThree(a: ScoreArray, lo: number, hi: number): number {
  const x = a[lo];
  const y = a[(lo + hi) >>> 1];
  const z = a[hi];
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}

/**
 * Dutch-flag partition of a[lo..hi] around pivot: returns [lt, gt] with a[lo..lt-1] < pivot,
 * a[lt..gt] == pivot, a[gt+1..hi] > pivot. Many equal scores (ties, zeros) end in one pass.
 */
function partition3(a: ScoreArray, lo: number, hi: number, pivot: number): [number, number] {
  let lt = lo;
  let gt = hi;
  let i = lo;
  while (i <= gt) {
    const v = a[i];
    if (v < pivot) {
      a[i] = a[lt];
      a[lt] = v;
      lt += 1;
      i += 1;
    } else if (v > pivot) {
      a[i] = a[gt];
      a[gt] = v;
      gt -= 1;
    } else {
      i += 1;
    }
  }
  return [lt, gt];
}
