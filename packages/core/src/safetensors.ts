// Safetensors: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian data. Reading widens F16/BF16/F64 to float32
// (allo computes in float32); writing always stores F32. Used for model weights and masks.
import { readFileSync } from 'node:fs';

import { errors } from './errors.js';
import { writeFileAtomic } from './io.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export interface SafetensorsEntry {
  /** The dtype stored in the file; `data` is always float32. */
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** Decodes safetensors bytes; `file` names the source in errors. */
export function decodeSafetensors(bytes: Uint8Array, file = '<bytes>'): SafetensorsFile {
  if (bytes.byteLength < 8) {
    throw errors.modelInvalid(
      file,
      `safetensors file is ${bytes.byteLength} bytes, expected at least the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.byteLength) {
    throw errors.modelInvalid(
      file,
      `safetensors header length ${headerLength} runs past the end of the ${bytes.byteLength}-byte file`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<
      string,
      unknown
    >;
  } catch (cause) {
    throw errors.modelInvalid(
      file,
      `safetensors header is not valid JSON: ${(cause as Error).message}`,
    );
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info.dtype as SafetensorsDtype;
    if (!(dtype in BYTES)) {
      throw errors.modelUnsupported(
        file,
        `tensor "${name}" has dtype ${String(info.dtype)}, expected one of F32, F16, BF16, F64`,
      );
    }
    const shape = info.shape as number[];
    const offsets = info.data_offsets as [number, number];
    if (!Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) {
      throw errors.modelInvalid(
        file,
        `tensor "${name}" has no valid shape or data_offsets in the header`,
      );
    }
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = offsets;
    if (end - begin !== count * BYTES[dtype] || begin < 0 || end > dataLength) {
      throw errors.modelInvalid(
        file,
        `tensor "${name}" spans bytes [${begin}, ${end}), expected ${count * BYTES[dtype]} bytes for ${dtype} [${shape.join(', ')}] inside the ${dataLength}-byte data section`,
      );
    }
    const data = convert(bytes, dataStart + begin, count, dtype);
    tensors.set(name, { dtype, shape: [...shape], data });
  }
  return { tensors, metadata };
}

/** Reads a safetensors file (or bytes) into float32 tensors by name. */
export function readSafetensors(source: Uint8Array | string): Map<string, SafetensorsEntry> {
  if (typeof source !== 'string') return decodeSafetensors(source).tensors;
  return decodeSafetensors(readBytes(source), source).tensors;
}

/** Reads a safetensors file with its `__metadata__`. */
export function readSafetensorsFile(file: string): SafetensorsFile {
  return decodeSafetensors(readBytes(file), file);
}

function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw errors.io(file, `cannot read the safetensors file: ${(cause as Error).message}`, cause);
  }
}

function convert(
  bytes: Uint8Array,
  start: number,
  count: number,
  dtype: SafetensorsDtype,
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * BYTES[dtype]);
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    for (let i = 0; i < count; i += 1) out[i] = view.getFloat32(i * 4, true);
  } else if (dtype === 'F64') {
    for (let i = 0; i < count; i += 1) out[i] = view.getFloat64(i * 8, true);
  } else if (dtype === 'BF16') {
    // bfloat16 is the upper half of a float32.
    const word = new Uint32Array(1);
    const asFloat = new Float32Array(word.buffer);
    for (let i = 0; i < count; i += 1) {
      word[0] = view.getUint16(i * 2, true) << 16;
      out[i] = asFloat[0];
    }
  } else {
    for (let i = 0; i < count; i += 1) out[i] = halfToFloat(view.getUint16(i * 2, true));
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Encodes float32 tensors (in the map's order) as safetensors bytes. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) {
      throw errors.modelInvalid(
        name,
        `tensor has ${tensor.data.length} values, expected ${count} for shape [${tensor.shape.join(', ')}]`,
      );
    }
    header[name] = {
      dtype: 'F32',
      shape: [...tensor.shape],
      data_offsets: [offset, offset + count * 4],
    };
    offset += count * 4;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    for (let i = 0; i < tensor.data.length; i += 1)
      view.setFloat32(cursor + i * 4, tensor.data[i], true);
    cursor += tensor.data.length * 4;
  }
  return out;
}

/** Writes float32 tensors as a safetensors file atomically (temporary file, then rename). */
export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
