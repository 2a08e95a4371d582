// Optimizer state of masked AdamW against dense AdamW for a 5% mask on stories260K (issue 4:
// "at most 7% of dense AdamW's"). Masked AdamW keeps m and v only for selected elements.
// Run: node --conditions=allo-source --import tsx --import ./tools/bench/hooks.mjs tools/bench/optimizer-state.bench.ts
import { MaskedAdamW, assetPath, createLogger, writeOut } from '@allo/core';
import type { ParameterMask, TensorMask } from '@allo/core';
import { useCpuBackend } from '@allo/core/testing';
import { loadLlama2cModel } from '@allo/model';

const SHARE = 0.05;
const LIMIT = 0.07;

/** A seeded random mask with exactly floor(size · share) elements per tensor. */
function randomMask(
  parameters: ReturnType<typeof loadLlama2cModel>['parameters'],
  share: number,
  seed: number,
): ParameterMask {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const tensors = new Map<string, TensorMask>();
  let selected = 0;
  let total = 0;
  for (const p of parameters) {
    const size = p.variable.size;
    const k = Math.floor(size * share);
    const order = Int32Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < k; i += 1) {
      const j = i + Math.floor(random() * (size - i));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const indices = order.slice(0, k).sort();
    tensors.set(p.name, { name: p.name, size, indices });
    selected += k;
    total += size;
  }
  return { tensors, selected, total, share: selected / total };
}

async function main(): Promise<void> {
  await useCpuBackend();
  const model = loadLlama2cModel(assetPath('stories260K', 'stories260K.bin'));
  const mask = randomMask(model.parameters, SHARE, 42);
  const options = {
    betas: [0.9, 0.999] as [number, number],
    eps: 1e-8,
    weightDecay: 0,
    maxGradNorm: 1,
  };
  const dense = new MaskedAdamW(model.parameters, null, options);
  const masked = new MaskedAdamW(model.parameters, mask, options);
  const ratio = masked.stateBytes() / dense.stateBytes();
  writeOut(
    `model: stories260K, ${mask.total} parameter elements; mask: ${mask.selected} selected (share ${mask.share.toFixed(4)})`,
  );
  writeOut(`dense AdamW state:  ${dense.stateBytes()} bytes (m and v, float32, every element)`);
  writeOut(`masked AdamW state: ${masked.stateBytes()} bytes (m and v for selected elements only)`);
  writeOut(
    `ratio: ${(100 * ratio).toFixed(2)}% of dense (limit ${(100 * LIMIT).toFixed(0)}%); the mask's own indices (4 bytes per selected element, ${4 * mask.selected} bytes) belong to the stage, not the optimizer`,
  );
  model.dispose();
  if (ratio > LIMIT) {
    createLogger('bench').error(
      `masked AdamW state is ${(100 * ratio).toFixed(2)}% of dense, above the ${(100 * LIMIT).toFixed(0)}% limit`,
    );
    process.exitCode = 1;
  }
}

await main();
