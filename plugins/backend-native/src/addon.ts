// Loads the compiled N-API addon from native/build/Release. The addon is optional: when it is
// missing, `loadAddon` says why and which command builds it, and the plugin reports itself
// unavailable so that the auto choice falls through to the pure-JS cpu backend.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The functions the addon exports (native/src/kernels.h documents each). */
export interface NativeAddon {
  batchMatMul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    aIndex: Int32Array,
    bIndex: Int32Array,
  ): void;
  setThreads(threads: number): void;
  getThreads(): number;
  binary(
    op: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    shape: number[],
    aStrides: number[],
    bStrides: number[],
  ): void;
  copy(
    src: Float32Array,
    srcStrides: number[],
    dst: Float32Array,
    dstStrides: number[],
    shape: number[],
  ): void;
  unary(op: number, x: Float32Array, out: Float32Array): void;
  reduceSum(x: Float32Array, out: Float32Array, shape: number[], outStrides: number[]): void;
  softmax(x: Float32Array, out: Float32Array, cols: number): void;
  segmentSum(x: Float32Array, ids: Int32Array, out: Float32Array, inner: number): void;
  gather(
    x: Float32Array,
    indices: Int32Array,
    out: Float32Array,
    outer: number,
    rows: number,
    inner: number,
  ): number;
  targetLogProbs(
    logits: Float32Array,
    targets: Int32Array,
    value: Float32Array,
    logZ: Float32Array,
    vocab: number,
  ): void;
  targetLogProbsGrad(
    logits: Float32Array,
    targets: Int32Array,
    logZ: Float32Array,
    dy: Float32Array,
    out: Float32Array,
    vocab: number,
  ): void;
  adamw(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    mask: Float32Array | null,
    outParam: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
  ): void;
}

export const BUILD_COMMAND = 'npm run build:native';

/** native/build/Release/allo_native.node, from src/ or dist/ alike. */
export function addonPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', 'native', 'build', 'Release', 'allo_native.node');
}

export type AddonLoad = { ok: true; addon: NativeAddon } | { ok: false; reason: string };

let cached: AddonLoad | undefined;

export function loadAddon(file: string = addonPath()): AddonLoad {
  if (file === addonPath() && cached !== undefined) return cached;
  const result = tryLoad(file);
  if (file === addonPath()) cached = result;
  return result;
}

function tryLoad(file: string): AddonLoad {
  if (!existsSync(file)) {
    return {
      ok: false,
      reason: `the native addon is not built (${file} is missing); install OpenBLAS (Debian: apt-get install libopenblas-dev) and run \`${BUILD_COMMAND}\``,
    };
  }
  try {
    const require = createRequire(import.meta.url);
    return { ok: true, addon: require(file) as NativeAddon };
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      ok: false,
      reason: `the native addon at ${file} does not load (${detail}); rebuild it with \`${BUILD_COMMAND}\``,
    };
  }
}
