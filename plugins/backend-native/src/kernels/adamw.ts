// AlloAdamW: the (masked) AdamW update of @allo/core's adamwUpdate in one pass.
// Inputs param, grad, m, v (float32, one shape) and optional mask; outputs [param, m, v].
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { AdamWHyper } from '@allo/core';

import type { NativeAddon } from '../addon.js';
import { f32 } from './util.js';

export function adamwKernel(addon: NativeAddon): KernelFunc {
  return (args) => {
    const backend = args.backend as MathBackendCPU;
    const { param, grad, m, v, mask } = args.inputs as unknown as {
      param: TensorInfo;
      grad: TensorInfo;
      m: TensorInfo;
      v: TensorInfo;
      mask?: TensorInfo;
    };
    const h = args.attrs as unknown as AdamWHyper;
    const values = [param, grad, m, v, ...(mask ? [mask] : [])].map((t) => ({
      t,
      values: f32(backend, t),
    }));
    for (const { t, values: data } of values) {
      if (data === null || data.length !== values[0].values?.length) {
        throw new Error(
          `AlloAdamW: expected float32 tensors of one shape [${param.shape}], got ${t.dtype} [${t.shape}]`,
        );
      }
    }
    const [p, g, mv, vv, k] = values.map((x) => x.values as Float32Array);
    const outParam = new Float32Array(p.length);
    const outM = new Float32Array(p.length);
    const outV = new Float32Array(p.length);
    addon.adamw(
      p,
      g,
      mv,
      vv,
      k ?? null,
      outParam,
      outM,
      outV,
      h.lr,
      h.beta1,
      h.beta2,
      h.eps,
      h.weightDecay,
      h.step,
    );
    return [outParam, outM, outV].map((out) =>
      backend.makeTensorInfo(param.shape, 'float32', out),
    ) as TensorInfo[];
  };
}
