// Embedding lookup: rows of a table by id, with the gradient computed the fastest way the
// backend offers. The gradient of a gather is UnsortedSegmentSum; tfjs's cpu kernel for it
// makes one pass over the whole input per segment (per vocabulary entry), so on that backend
// (and where the kernel is missing, as on wasm) the gradient is the one-hot product
// onehot(ids)ᵀ · dy instead. Backends with a real segment sum (allo-native, tensorflow) use it:
// one pass, and no [N, V] one-hot.
import * as tf from '@tensorflow/tfjs-core';

function hasFastSegmentSum(): boolean {
  const backend = tf.getBackend();
  return backend !== 'cpu' && tf.getKernel('UnsortedSegmentSum', backend) !== undefined;
}

/** table [V, D] float32, ids of any shape (int32 values) → [ids.size, D]. */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor2D {
  const flat = tf.tidy(() => tf.cast(tf.reshape(ids, [-1]), 'int32') as tf.Tensor1D);
  const op = tf.customGrad(((t: tf.Tensor, i: tf.Tensor, save: tf.GradSaveFunc) => {
    save([i]);
    return {
      value: tf.gather(t, i),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const index = saved[0] as tf.Tensor1D;
        const rows = table.shape[0];
        const dTable = hasFastSegmentSum()
          ? tf.unsortedSegmentSum(dy, index, rows)
          : tf.matMul(tf.oneHot(index, rows, 1, 0, 'float32'), dy as tf.Tensor2D, true, false);
        return [dTable, tf.zerosLike(index)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const out = op(table, flat) as tf.Tensor2D;
  flat.dispose();
  return out;
}
