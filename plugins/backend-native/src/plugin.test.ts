import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';

import type { Logger } from '@allo/core';

import { BUILD_COMMAND, loadAddon } from './addon.js';
import { NATIVE_BACKEND_NAME } from './native-backend.js';
import { createNativeBackend, nativeBackendPlugin } from './plugin.js';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    tag: 'backend:native',
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => warnings.push(m),
    error: () => undefined,
    warnOnce: (_key, m) => warnings.push(m),
    child: () => logger,
  };
  return logger;
}

describe('native backend plugin', () => {
  it('is available with the addon built, and selects allo-native', async () => {
    const backend = createNativeBackend({ threads: 2 }, recordingLogger());
    expect(await backend.available()).toEqual({ ok: true });
    const info = await backend.initialise();
    expect(info.name).toBe(NATIVE_BACKEND_NAME);
    expect(info.capabilities).toEqual({
      gpu: false,
      nativeMatMul: true,
      threads: 2,
      float64: false,
    });
    expect(tf.getBackend()).toBe(NATIVE_BACKEND_NAME);
    expect(tf.getKernel('BatchMatMul', NATIVE_BACKEND_NAME)).toBeDefined();
    expect(tf.getKernel('AlloTargetLogProbs', NATIVE_BACKEND_NAME)).toBeDefined();
    // Every cpu kernel is there too, so any op runs, plus the three fused allo kernels.
    expect(tf.getKernelsForBackend(NATIVE_BACKEND_NAME).length).toBe(
      tf.getKernelsForBackend('cpu').length + 3,
    );
  });

  it('without the addon: unavailable with the build command, and falls back to cpu with one warning', async () => {
    const missing = loadAddon('/nonexistent/allo_native.node');
    expect(missing).toEqual({
      ok: false,
      reason: `the native addon is not built (/nonexistent/allo_native.node is missing); install OpenBLAS (Debian: apt-get install libopenblas-dev) and run \`${BUILD_COMMAND}\``,
    });
    const logger = recordingLogger();
    const backend = createNativeBackend({ threads: 0 }, logger, () => missing);
    expect(await backend.available()).toEqual({
      ok: false,
      reason: (missing as { reason: string }).reason,
    });
    const warn = vi.spyOn(console, 'warn');
    const info = await backend.initialise();
    expect(info.name).toBe('cpu');
    expect(info.capabilities.nativeMatMul).toBe(false);
    expect(tf.getBackend()).toBe('cpu');
    expect(logger.warnings).toEqual([
      `native kernels unavailable, running on the pure-JS cpu backend instead: ${(missing as { reason: string }).reason}`,
    ]);
    tf.tensor1d([1]).dispose();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('declares a threads option defaulting to every core', () => {
    expect(nativeBackendPlugin.id).toBe('native');
    expect(nativeBackendPlugin.kind).toBe('backend');
    expect(
      (nativeBackendPlugin.optionsSchema.properties as Record<string, { default: number }>).threads
        .default,
    ).toBe(0);
  });
});
