// AdamW (Loshchilov & Hutter 2019, Algorithm 2: bias-corrected moments, decoupled weight decay)
// restricted to a ParameterMask, as ALLO's stages use it (Chen et al., EMNLP 2024, Sec. 3.1):
// moments see the full gradient at every selected element, only selected elements move, and
// weight decay applies to selected elements only.
//
// State is kept only for selected elements: m and v are Float32Arrays as long as each tensor's
// index list, so a 5% mask holds 5% of dense AdamW's moments. Elements outside the mask never move,
// so their moments would never be read: the sparse form gives exactly the dense masked result.
// Porting note: the official code decays every element, including unmasked ones (see
// assets/fixtures/README.md); allo keeps unselected parameters bit-identical instead.
import * as tf from '@tensorflow/tfjs-core';

import { errors } from '../errors.js';
import type { OptimizerSpec } from '../extension-points.js';
import type { NamedParameter, ParameterMask } from '../types.js';

export type AdamWOptions = Pick<OptimizerSpec, 'betas' | 'eps' | 'weightDecay' | 'maxGradNorm'>;

interface TensorState {
  parameter: NamedParameter;
  /** Selected flat indices, ascending; null selects every element (dense). */
  indices: Int32Array | null;
  m: Float32Array;
  v: Float32Array;
}

export interface StepReport {
  /** Global L2 norm of the gradient over the selected elements, before clipping. */
  gradNorm: number;
  /** Selected elements updated in this step. */
  updated: number;
}

export class MaskedAdamW {
  private readonly states: TensorState[] = [];
  private readonly allParameters: readonly NamedParameter[];
  private t = 0;

  /** `mask` null trains every element; a tensor missing from the mask is frozen. */
  constructor(
    parameters: readonly NamedParameter[],
    mask: ParameterMask | null,
    private readonly options: AdamWOptions,
  ) {
    this.allParameters = parameters;
    if (mask !== null) checkMask(parameters, mask);
    for (const parameter of parameters) {
      const size = parameter.variable.size;
      const indices =
        mask === null ? null : (mask.tensors.get(parameter.name)?.indices ?? new Int32Array(0));
      const count = indices === null ? size : indices.length;
      if (count === 0) continue;
      this.states.push({
        parameter,
        indices,
        m: new Float32Array(count),
        v: new Float32Array(count),
      });
    }
  }

  /** The parameters with at least one selected element: the only ones that need gradients. */
  get trainable(): NamedParameter[] {
    return this.states.map((s) => s.parameter);
  }

  /** Optimizer steps taken. */
  get steps(): number {
    return this.t;
  }

  /** Bytes of moment state held (m and v, float32, selected elements only). */
  stateBytes(): number {
    return this.states.reduce((sum, s) => sum + s.m.byteLength + s.v.byteLength, 0);
  }

  /** Bytes dense AdamW would hold for the same parameters (m and v for every element). */
  denseStateBytes(): number {
    return this.allParameters.reduce((sum, p) => sum + 8 * p.variable.size, 0);
  }

  /**
   * One update with learning rate `lr`, from gradients by parameter name (tensors or values).
   * Clipping (maxGradNorm > 0) scales the gradient by min(1, max / (norm + 1e-6)) where the norm
   * runs over the selected elements only: they are the coordinates the stage optimises, and the
   * gradient outside the mask never reaches a parameter. Porting note: Hugging Face's Trainer
   * clips over every parameter's gradient, which makes a masked step's size depend on directions
   * it never takes.
   */
  async step(
    gradients: ReadonlyMap<string, tf.Tensor | Float32Array>,
    lr: number,
  ): Promise<StepReport> {
    const grads = await Promise.all(
      this.states.map(async (s) => {
        const g = gradients.get(s.parameter.name);
        if (g === undefined)
          throw new RangeError(`MaskedAdamW.step: no gradient for parameter "${s.parameter.name}"`);
        return g instanceof Float32Array ? g : ((await g.data()) as Float32Array);
      }),
    );
    const values = await Promise.all(
      this.states.map(
        async (s) => new Float32Array((await s.parameter.variable.data()) as Float32Array),
      ),
    );

    let squares = 0;
    this.states.forEach((s, k) => {
      const g = grads[k];
      const n = s.m.length;
      for (let j = 0; j < n; j += 1) {
        const x = g[s.indices === null ? j : s.indices[j]];
        squares += x * x;
      }
    });
    const gradNorm = Math.sqrt(squares);
    const { maxGradNorm, weightDecay, eps } = this.options;
    const [beta1, beta2] = this.options.betas;
    const clip = maxGradNorm > 0 ? Math.min(1, maxGradNorm / (gradNorm + 1e-6)) : 1;

    this.t += 1;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    let updated = 0;
    this.states.forEach((s, k) => {
      const g = grads[k];
      const p = values[k];
      const { m, v, indices } = s;
      const n = m.length;
      for (let j = 0; j < n; j += 1) {
        const i = indices === null ? j : indices[j];
        const gi = g[i] * clip;
        m[j] = beta1 * m[j] + (1 - beta1) * gi;
        v[j] = beta2 * v[j] + (1 - beta2) * gi * gi;
        const mHat = m[j] / correction1;
        const vHat = v[j] / correction2;
        p[i] = p[i] - lr * (mHat / (Math.sqrt(vHat) + eps) + weightDecay * p[i]);
      }
      updated += n;
      const next = tf.tensor(p, s.parameter.variable.shape, 'float32');
      s.parameter.variable.assign(next);
      next.dispose();
    });
    return { gradNorm, updated };
  }
}

/** A mask must name existing parameters, with the right sizes and ascending in-range indices. */
function checkMask(parameters: readonly NamedParameter[], mask: ParameterMask): void {
  const sizes = new Map(parameters.map((p) => [p.name, p.variable.size]));
  for (const [name, tensor] of mask.tensors) {
    const size = sizes.get(name);
    if (size === undefined) {
      throw errors.maskInvalid(
        `mask tensor "${name}"`,
        `names no parameter of the model; expected one of ${[...sizes.keys()].slice(0, 5).join(', ')}, …`,
      );
    }
    if (tensor.size !== size)
      throw errors.maskInvalid(
        `mask tensor "${name}"`,
        `has size ${tensor.size}, expected the parameter's ${size}`,
      );
    const { indices } = tensor;
    for (let j = 0; j < indices.length; j += 1) {
      const i = indices[j];
      if (i < 0 || i >= size || (j > 0 && i <= indices[j - 1])) {
        throw errors.maskInvalid(
          `mask tensor "${name}"`,
          `index ${j} is ${i}, expected ascending indices in [0, ${size})`,
        );
      }
    }
  }
}
