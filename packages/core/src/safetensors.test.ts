import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { isAlloError } from './errors.js';
import { assetPath } from './assets.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  readSafetensorsFile,
  writeSafetensors,
} from './safetensors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'allo-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a file by hand: header JSON, then raw bytes. */
function handMade(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('writes atomically and reads back names, shapes, values and metadata', async () => {
    const file = path.join(dir, 'a.safetensors');
    const tensors = new Map([
      ['b.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -7]) }],
      ['a', { shape: [1], data: Float32Array.from([42]) }],
    ]);
    await writeSafetensors(file, tensors, { format: 'pt' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const { tensors: back, metadata } = readSafetensorsFile(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...back.keys()]).toEqual(['b.weight', 'a']);
    expect(back.get('b.weight')).toEqual({
      dtype: 'F32',
      shape: [2, 3],
      data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -7]),
    });
    const headerLength = Number(readFileSync(file).readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
  });

  it('widens F16, BF16 and F64 to float32', () => {
    const f16 = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x35, 0x01, 0x00]); // 1, -2, 0.3125, 2^-24
    const bf16 = Uint8Array.from([0x80, 0x3f, 0x40, 0xc0]); // 1, -3
    const f64 = new Uint8Array(Float64Array.from([0.1]).buffer);
    const data = new Uint8Array([...f16, ...bf16, ...f64]);
    const bytes = handMade(
      {
        h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        d: { dtype: 'F64', shape: [1], data_offsets: [12, 20] },
      },
      data,
    );
    const read = readSafetensors(bytes);
    expect(Array.from(read.get('h')!.data)).toEqual([1, -2, 0.3125, 2 ** -24]);
    expect(Array.from(read.get('b')!.data)).toEqual([1, -3]);
    expect(read.get('d')!.data[0]).toBeCloseTo(0.1, 7);
    expect(read.get('h')!.dtype).toBe('F16');
  });

  it('reads the shipped hf-stories260K weights', () => {
    const read = readSafetensors(assetPath('fixtures', 'hf-stories260K', 'model.safetensors'));
    expect(read.get('model.embed_tokens.weight')!.shape).toEqual([512, 64]);
    expect(read.get('model.layers.0.self_attn.k_proj.weight')!.shape).toEqual([32, 64]);
  });

  it('rejects a byte range that does not fit the dtype and shape, naming the file and tensor', () => {
    const file = path.join(dir, 'bad.safetensors');
    writeFileSync(
      file,
      handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
    );
    try {
      readSafetensors(file);
      expect.unreachable();
    } catch (error) {
      expect(isAlloError(error, 'MODEL_INVALID')).toBe(true);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toContain('"w"');
    }
  });

  it('rejects an unsupported dtype and a truncated header', () => {
    const int8 = handMade(
      { q: { dtype: 'I8', shape: [2], data_offsets: [0, 2] } },
      new Uint8Array(2),
    );
    expect(() => decodeSafetensors(int8, 'q.safetensors')).toThrow(
      /q\.safetensors: tensor "q" has dtype I8/,
    );
    const truncated = encodeSafetensors(
      new Map([['x', { shape: [2], data: Float32Array.from([1, 2]) }]]),
    ).subarray(0, 12);
    expect(() => decodeSafetensors(truncated, 't.safetensors')).toThrow(
      /t\.safetensors: safetensors header length/,
    );
  });
});
