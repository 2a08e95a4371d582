// Masks on disk: one safetensors file, a float32 tensor of 0/1 per parameter under the
// parameter's name (shape the parameter's when known, else flat), and `__metadata__` recording
// that it is an allo mask with its counts. Float32 because the shared safetensors writer stores
// F32; any reader (numpy, torch) sees the mask as `tensor == 1`.
import { errors } from '../errors.js';
import { readSafetensorsFile, writeSafetensors } from '../safetensors.js';
import type { NamedParameter, ParameterMask, TensorMask } from '../types.js';

const FORMAT = 'allo-parameter-mask';

/** Writes the mask atomically; `parameters` (optional) gives each tensor its real shape. */
export async function saveMask(
  file: string,
  mask: ParameterMask,
  parameters?: readonly NamedParameter[],
): Promise<void> {
  const shapes = new Map(parameters?.map((p) => [p.name, p.variable.shape as readonly number[]]));
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, t] of mask.tensors) {
    const data = new Float32Array(t.size);
    for (const i of t.indices) data[i] = 1;
    const shape = shapes.get(name) ?? [t.size];
    tensors.set(name, { shape, data });
  }
  await writeSafetensors(file, tensors, {
    format: FORMAT,
    selected: String(mask.selected),
    total: String(mask.total),
    share: String(mask.share),
  });
}

/** Reads a mask written by saveMask (or any safetensors file of 0/1 tensors). */
export function loadMask(file: string): ParameterMask {
  const { tensors: entries, metadata } = readSafetensorsFile(file);
  if (metadata.format !== undefined && metadata.format !== FORMAT) {
    throw errors.maskInvalid(
      file,
      `expected a mask file (__metadata__.format "${FORMAT}"), got format "${metadata.format}"`,
    );
  }
  const tensors = new Map<string, TensorMask>();
  let selected = 0;
  let total = 0;
  for (const [name, entry] of entries) {
    const data = entry.data;
    let count = 0;
    for (let i = 0; i < data.length; i += 1) {
      if (data[i] === 1) count += 1;
      else if (data[i] !== 0)
        throw errors.maskInvalid(
          `${file}: tensor "${name}"[${i}]`,
          `expected 0 or 1, got ${data[i]}`,
        );
    }
    const indices = new Int32Array(count);
    let n = 0;
    for (let i = 0; i < data.length; i += 1) if (data[i] === 1) indices[n++] = i;
    tensors.set(name, { name, size: data.length, indices });
    selected += count;
    total += data.length;
  }
  return { tensors, selected, total, share: total === 0 ? 0 : selected / total };
}
