import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isAlloError } from '../errors.js';
import { readSafetensorsFile, writeSafetensors } from '../safetensors.js';
import { useCpuBackend } from '../testing/index.js';
import type { NamedParameter } from '../types.js';
import { maskFromIndices } from './build.js';
import { loadMask, saveMask } from './io.js';

const dir = mkdtempSync(path.join(tmpdir(), 'allo-mask-'));

beforeAll(useCpuBackend);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saveMask / loadMask', () => {
  it('round-trips a mask through safetensors 0/1 tensors with the parameter names and shapes', async () => {
    const params: NamedParameter[] = [
      {
        name: 'model.layers.0.mlp.up_proj.weight',
        variable: tf.variable(tf.zeros([3, 4]), false, 'up'),
        group: 'mlp',
        layer: 0,
        outputAxis: 0,
      },
      {
        name: 'model.norm.weight',
        variable: tf.variable(tf.zeros([4]), false, 'norm'),
        group: 'norm',
        layer: null,
        outputAxis: null,
      },
    ];
    const mask = maskFromIndices(
      params,
      new Map([['model.layers.0.mlp.up_proj.weight', Int32Array.from([0, 5, 11])]]),
    );
    const file = path.join(dir, 'mask.safetensors');
    await saveMask(file, mask, params);
    const raw = readSafetensorsFile(file);
    expect(raw.metadata).toEqual({
      format: 'allo-parameter-mask',
      selected: '3',
      total: '16',
      share: String(3 / 16),
    });
    expect(raw.tensors.get('model.layers.0.mlp.up_proj.weight')!.shape).toEqual([3, 4]);
    expect(Array.from(raw.tensors.get('model.layers.0.mlp.up_proj.weight')!.data)).toEqual([
      1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1,
    ]);
    const back = loadMask(file);
    expect([back.selected, back.total, back.share]).toEqual([3, 16, 3 / 16]);
    expect(Array.from(back.tensors.get('model.layers.0.mlp.up_proj.weight')!.indices)).toEqual([
      0, 5, 11,
    ]);
    expect(back.tensors.get('model.norm.weight')).toEqual({
      name: 'model.norm.weight',
      size: 4,
      indices: new Int32Array(0),
    });
    tf.dispose(params.map((p) => p.variable));
  });

  it('rejects a tensor holding something other than 0 and 1', async () => {
    const file = path.join(dir, 'bad.safetensors');
    await writeSafetensors(
      file,
      new Map([['w', { shape: [3], data: Float32Array.from([0, 1, 0.5]) }]]),
    );
    let error: unknown;
    try {
      loadMask(file);
    } catch (e) {
      error = e;
    }
    expect(isAlloError(error, 'MASK_INVALID')).toBe(true);
    expect((error as Error).message).toBe(`${file}: tensor "w"[2]: expected 0 or 1, got 0.5`);
  });
});
