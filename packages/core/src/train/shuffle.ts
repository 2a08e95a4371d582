// Seeded shuffling for batch order: the same seed gives the same batches on every machine.

/** mulberry32: a small, fast 32-bit generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a run seed with stream numbers (stage index, epoch) into one 32-bit seed. */
export function mixSeed(seed: number, ...streams: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const s of streams) {
    h = Math.imul(h ^ (s + 0x7f4a7c15), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** Batches of indices 0..n−1, reshuffled (Fisher–Yates) each epoch, for as many steps as asked. */
export function* batchOrder(n: number, batchSize: number, seed: number): Generator<number[]> {
  for (let epoch = 0; ; epoch += 1) {
    const random = seededRandom(mixSeed(seed, epoch));
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < n; start += batchSize) yield order.slice(start, start + batchSize);
  }
}
