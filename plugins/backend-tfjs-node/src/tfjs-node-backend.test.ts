import '@tensorflow/tfjs-backend-cpu';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';

import { isAlloError } from '@allo/core';

import { createTfjsNodeBackend, tfjsNodeBackendPlugin } from './tfjs-node-backend.js';

describe('tfjs-node backend plugin', () => {
  afterAll(() => {
    if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
  });

  it('is unavailable here, saying how to install @tensorflow/tfjs-node', async () => {
    // @tensorflow/tfjs-node is not installed in this repository (an optional install).
    const backend = createTfjsNodeBackend();
    expect(await backend.available()).toEqual({
      ok: false,
      reason: '@tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node)',
    });
    await expect(backend.initialise()).rejects.toSatisfy((e: unknown) =>
      isAlloError(e, 'BACKEND_UNAVAILABLE'),
    );
    await expect(backend.initialise()).rejects.toThrow(
      'backend "tfjs-node" cannot start: @tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node)',
    );
  });

  it('reports a package that is installed but fails to load', async () => {
    const backend = createTfjsNodeBackend(async () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file');
    });
    expect(await backend.available()).toEqual({
      ok: false,
      reason:
        '@tensorflow/tfjs-node is installed but does not load (libtensorflow.so.2: cannot open shared object file); reinstall it with npm install @tensorflow/tfjs-node',
    });
  });

  it('selects the "tensorflow" backend that the package registers', async () => {
    const imported: string[] = [];
    const backend = createTfjsNodeBackend(async (specifier) => {
      imported.push(specifier);
      tf.registerBackend('tensorflow', () => new MathBackendCPU(), 0);
    });
    expect(await backend.available()).toEqual({ ok: true });
    const info = await backend.initialise();
    expect(imported).toEqual(['@tensorflow/tfjs-node']);
    expect(info.name).toBe('tensorflow');
    expect(info.capabilities.gpu).toBe(false);
    expect(info.capabilities.nativeMatMul).toBe(true);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('fails with the version to install when the package registers into another tfjs-core', async () => {
    tf.removeBackend('tensorflow');
    const backend = createTfjsNodeBackend(async () => undefined);
    await expect(backend.initialise()).rejects.toThrow(
      `backend "tfjs-node" cannot start: @tensorflow/tfjs-node loaded but registered no "tensorflow" backend in allo's @tensorflow/tfjs-core ${tf.version_core}`,
    );
  });

  it('is declared as backend "tfjs-node"', () => {
    expect(tfjsNodeBackendPlugin.id).toBe('tfjs-node');
    expect(tfjsNodeBackendPlugin.kind).toBe('backend');
  });
});
