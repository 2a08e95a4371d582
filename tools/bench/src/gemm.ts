// GEMM throughput: C = A·B for square float32 matrices, through tf.matMul on a backend and
// through the addon's OpenBLAS sgemm called directly (the ceiling the tfjs path is held to).
import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '@allo/backend-native';

export interface GemmRow {
  backend: string;
  n: number;
  ms: number;
  gflops: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Repetitions that keep one shape's measurement near a second on a fast path. */
function repsFor(n: number, slow: boolean): number {
  if (slow) return n >= 1024 ? 1 : 3;
  return n >= 1024 ? 10 : 30;
}

export function gemmThroughTfjs(backend: string, n: number, slow: boolean): GemmRow {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  tf.matMul(a, b).dispose();
  const times: number[] = [];
  for (let i = 0; i < repsFor(n, slow); i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  const ms = median(times);
  return { backend, n, ms, gflops: (2 * n ** 3) / (ms * 1e6) };
}

export function gemmDirect(addon: NativeAddon, n: number): GemmRow {
  const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i));
  const c = new Float32Array(n * n);
  const index = new Int32Array(1);
  addon.batchMatMul(a, b, c, n, n, n, false, false, index, index);
  const times: number[] = [];
  for (let i = 0; i < repsFor(n, false); i++) {
    const t0 = performance.now();
    addon.batchMatMul(a, b, c, n, n, n, false, false, index, index);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  return { backend: 'openblas-direct', n, ms, gflops: (2 * n ** 3) / (ms * 1e6) };
}

/**
 * OpenBLAS directly and tf.matMul on the current backend, alternated call by call so that both
 * see the same machine load (the comparison the 80% target is about).
 */
export function gemmSideBySide(addon: NativeAddon, backend: string, n: number): [GemmRow, GemmRow] {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const av = a.dataSync() as Float32Array;
  const bv = b.dataSync() as Float32Array;
  const c = new Float32Array(n * n);
  const index = new Int32Array(1);
  const direct: number[] = [];
  const through: number[] = [];
  for (let i = 0; i <= repsFor(n, false); i++) {
    let t0 = performance.now();
    addon.batchMatMul(av, bv, c, n, n, n, false, false, index, index);
    const d = performance.now() - t0;
    t0 = performance.now();
    const out = tf.matMul(a, b);
    out.dataSync();
    const t = performance.now() - t0;
    out.dispose();
    // The first pair warms both paths up.
    if (i > 0) {
      direct.push(d);
      through.push(t);
    }
  }
  tf.dispose([a, b]);
  const row = (name: string, ms: number): GemmRow => ({
    backend: name,
    n,
    ms,
    gflops: (2 * n ** 3) / (ms * 1e6),
  });
  return [row('openblas-direct', median(direct)), row(backend, median(through))];
}
