// Learning-rate schedules with linear warm-up, by 0-based optimizer step.
//
// Warm-up lasts W = ceil(warmupRatio · total) steps and rises linearly to the base rate, reaching it
// on step W − 1. After it: 'cosine' follows 0.5 (1 + cos(π p)), 'linear' follows 1 − p, with
// p = (step − W) / (total − W) the share of the post-warm-up steps already taken; 'constant' stays.
// Porting note: Hugging Face's schedulers give step 0 a rate of 0 when there is a warm-up; allo's
// first step already moves, which matters for the few-step stages a 260K-parameter model runs.
import type { OptimizerSpec } from '../extension-points.js';

export function warmupSteps(warmupRatio: number, totalSteps: number): number {
  return Math.min(totalSteps, Math.ceil(warmupRatio * totalSteps));
}

export function learningRate(
  spec: Pick<OptimizerSpec, 'lr' | 'warmupRatio' | 'schedule'>,
  step: number,
  totalSteps: number,
): number {
  const W = warmupSteps(spec.warmupRatio, totalSteps);
  if (step < W) return (spec.lr * (step + 1)) / W;
  if (spec.schedule === 'constant') return spec.lr;
  const progress = (step - W) / Math.max(1, totalSteps - W);
  if (spec.schedule === 'linear') return spec.lr * (1 - progress);
  return spec.lr * 0.5 * (1 + Math.cos(Math.PI * progress));
}
