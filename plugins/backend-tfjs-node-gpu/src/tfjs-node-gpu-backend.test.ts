import '@tensorflow/tfjs-backend-cpu';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';

import { isAlloError } from '@allo/core';

import { createTfjsNodeGpuBackend, tfjsNodeGpuBackendPlugin } from './tfjs-node-gpu-backend.js';

describe('tfjs-node-gpu backend plugin', () => {
  afterAll(() => {
    if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
  });

  it('is unavailable here, saying how to install @tensorflow/tfjs-node-gpu', async () => {
    // @tensorflow/tfjs-node-gpu is not installed in this repository (an optional install).
    const backend = createTfjsNodeGpuBackend();
    expect(await backend.available()).toEqual({
      ok: false,
      reason: '@tensorflow/tfjs-node-gpu is not installed (npm install @tensorflow/tfjs-node-gpu)',
    });
    await expect(backend.initialise()).rejects.toSatisfy((e: unknown) =>
      isAlloError(e, 'BACKEND_UNAVAILABLE'),
    );
    await expect(backend.initialise()).rejects.toThrow(
      'backend "tfjs-node-gpu" cannot start: @tensorflow/tfjs-node-gpu is not installed (npm install @tensorflow/tfjs-node-gpu)',
    );
  });

  it('reports a package that is installed but fails to load', async () => {
    const backend = createTfjsNodeGpuBackend(async () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file');
    });
    expect(await backend.available()).toEqual({
      ok: false,
      reason:
        '@tensorflow/tfjs-node-gpu is installed but does not load (libtensorflow.so.2: cannot open shared object file); reinstall it with npm install @tensorflow/tfjs-node-gpu',
    });
  });

  it('selects the "tensorflow" backend that the package registers', async () => {
    const imported: string[] = [];
    const backend = createTfjsNodeGpuBackend(async (specifier) => {
      imported.push(specifier);
      tf.registerBackend('tensorflow', () => new MathBackendCPU(), 0);
    });
    expect(await backend.available()).toEqual({ ok: true });
    const info = await backend.initialise();
    expect(imported).toEqual(['@tensorflow/tfjs-node-gpu']);
    expect(info.name).toBe('tensorflow');
    expect(info.capabilities.gpu).toBe(true);
    expect(info.capabilities.nativeMatMul).toBe(true);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('fails with the version to install when the package registers into another tfjs-core', async () => {
    tf.removeBackend('tensorflow');
    const backend = createTfjsNodeGpuBackend(async () => undefined);
    await expect(backend.initialise()).rejects.toThrow(
      `backend "tfjs-node-gpu" cannot start: @tensorflow/tfjs-node-gpu loaded but registered no "tensorflow" backend in allo's @tensorflow/tfjs-core ${tf.version_core}`,
    );
  });

  it('is declared as backend "tfjs-node-gpu"', () => {
    expect(tfjsNodeGpuBackendPlugin.id).toBe('tfjs-node-gpu');
    expect(tfjsNodeGpuBackendPlugin.kind).toBe('backend');
  });
});
