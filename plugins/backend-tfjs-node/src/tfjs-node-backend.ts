// The `tfjs-node` backend plugin: @tensorflow/tfjs-node (libtensorflow on the CPU). An optional install, never a
// dependency: its install step downloads a binary, which fails where that is not reachable. It is
// loaded with a dynamic import only, so allo runs whether or not it is there.
import { cpus } from 'node:os';

import * as tf from '@tensorflow/tfjs-core';
import { bindFactory, definePlugin, errors } from '@allo/core';
import type { Backend, BackendInfo } from '@allo/core';

export const PACKAGE_NAME = '@tensorflow/tfjs-node';

/** Imports a module by name; tests pass a stand-in. */
export type Importer = (specifier: string) => Promise<unknown>;

const defaultImporter: Importer = (specifier) => import(specifier);

/** What differs between the libtensorflow packages: their name, plugin id and device. */
export interface TensorflowPackage {
  id: string;
  packageName: string;
  device: string;
  gpu: boolean;
}

function notLoadable(PACKAGE_NAME: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    message.includes(PACKAGE_NAME)
  ) {
    return `${PACKAGE_NAME} is not installed (npm install ${PACKAGE_NAME})`;
  }
  return `${PACKAGE_NAME} is installed but does not load (${message}); reinstall it with npm install ${PACKAGE_NAME}`;
}

/** A Backend over one of the libtensorflow packages, loaded by a dynamic import only. */
export function createTensorflowBackend(
  target: TensorflowPackage,
  importer: Importer = defaultImporter,
): Backend {
  const { id, packageName: PACKAGE_NAME } = target;
  let loaded: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;
  const load = () =>
    (loaded ??= importer(PACKAGE_NAME).then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, reason: notLoadable(PACKAGE_NAME, error) }),
    ));

  return {
    available: load,

    async initialise(): Promise<BackendInfo> {
      const result = await load();
      if (!result.ok) throw errors.backendUnavailable(id, result.reason);
      // The package registers the `tensorflow` backend in the tfjs-core it imports; it is the
      // same engine as allo's only when both resolve to one tfjs-core 4.22 install.
      if (tf.findBackendFactory('tensorflow') == null || !(await tf.setBackend('tensorflow'))) {
        throw errors.backendUnavailable(
          id,
          `${PACKAGE_NAME} loaded but registered no "tensorflow" backend in allo's @tensorflow/tfjs-core ${tf.version_core}; install the ${PACKAGE_NAME} release built on tfjs-core ${tf.version_core}`,
        );
      }
      await tf.ready();
      return {
        name: 'tensorflow',
        description: `${PACKAGE_NAME}: libtensorflow on the ${target.device}`,
        capabilities: {
          gpu: target.gpu,
          nativeMatMul: true,
          threads: cpus().length,
          float64: false,
        },
      };
    },
  };
}

export function createTfjsNodeBackend(importer: Importer = defaultImporter): Backend {
  return createTensorflowBackend(
    { id: 'tfjs-node', packageName: PACKAGE_NAME, device: 'CPU', gpu: false },
    importer,
  );
}

export const tfjsNodeBackendPlugin = definePlugin<'backend', Record<string, never>>({
  id: 'tfjs-node',
  kind: 'backend',
  version: '0.1.0',
  description: '@tensorflow/tfjs-node (libtensorflow on the CPU); optional install',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  register: bindFactory('backend', () => createTfjsNodeBackend()),
});
