import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { cpuBackendPlugin, createCpuBackend } from './cpu-backend.js';

describe('cpu backend plugin', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is always available and selects the tfjs cpu backend', async () => {
    const backend = createCpuBackend();
    expect(await backend.available()).toEqual({ ok: true });
    const info = await backend.initialise();
    expect(info.name).toBe('cpu');
    expect(info.capabilities).toEqual({
      gpu: false,
      nativeMatMul: false,
      threads: 1,
      float64: false,
    });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('prints no tfjs console nag on the first tensor', async () => {
    tf.removeBackend('cpu');
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    await createCpuBackend().initialise();
    const t = tf.tensor1d([1, 2, 3]);
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3]);
    t.dispose();
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });

  it('is declared as backend "cpu" with an empty options schema', () => {
    expect(cpuBackendPlugin.id).toBe('cpu');
    expect(cpuBackendPlugin.kind).toBe('backend');
    expect(cpuBackendPlugin.optionsSchema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {},
    });
  });
});
