// The measurements behind building allo-native on the cpu backend rather than wasm (see
// plugins/backend-native/README.md): elementwise kernels and the 32-bit heap of each base.
// `node --conditions=allo-source --import tsx tools/bench/src/base-choice.ts`
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createLogger, writeOut } from '@allo/core';

import { selectBackend } from './backends.js';

const cases: [string, () => tf.Tensor][] = [];
const ops: [string, (xs: tf.Tensor[]) => tf.Tensor, number[][]][] = [
  [
    'add [2048,704]+[2048,704]',
    ([a, b]) => tf.add(a, b),
    [
      [2048, 704],
      [2048, 704],
    ],
  ],
  ['mul [2048,256]*[256] (broadcast)', ([a, b]) => tf.mul(a, b), [[2048, 256], [256]]],
  ['sigmoid [2048,704]', ([a]) => tf.sigmoid(a), [[2048, 704]]],
  ['softmax [16,4,128,128]', ([a]) => tf.softmax(a), [[16, 4, 128, 128]]],
  ['transpose [16,128,4,64]→[0,2,1,3]', ([a]) => tf.transpose(a, [0, 2, 1, 3]), [[16, 128, 4, 64]]],
  ['sum [2048,4096] axis 0', ([a]) => tf.sum(a, 0), [[2048, 4096]]],
  [
    'matMul [2048,256]·[256,4096]',
    ([a, b]) => tf.matMul(a, b),
    [
      [2048, 256],
      [256, 4096],
    ],
  ],
];
void cases;

function time(fn: () => tf.Tensor, reps: number): number {
  fn().dispose();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = fn();
    out.dataSync();
    t.push(performance.now() - t0);
    out.dispose();
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

const logger = createLogger('bench');
const results: Record<string, Record<string, number>> = {};
for (const backend of ['cpu', 'wasm', 'native']) {
  if (backend === 'wasm') await tf.setBackend('wasm');
  else await selectBackend(backend, logger);
  const name = tf.getBackend();
  for (const [label, op, shapes] of ops) {
    const inputs = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', i + 1));
    const slow = name === 'cpu' && label.startsWith('matMul');
    const ms = time(() => op(inputs), slow ? 1 : 5);
    (results[label] ??= {})[name] = ms;
    tf.dispose(inputs);
  }
}
writeOut(
  `${'kernel'.padEnd(36)} ${'cpu ms'.padStart(9)} ${'wasm ms'.padStart(9)} ${'allo-native ms'.padStart(15)}`,
);
for (const [label, r] of Object.entries(results))
  writeOut(
    `${label.padEnd(36)} ${r.cpu.toFixed(2).padStart(9)} ${r.wasm.toFixed(2).padStart(9)} ${r['allo-native'].toFixed(2).padStart(15)}`,
  );
