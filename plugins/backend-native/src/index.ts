// Public names of @allo/backend-native.
export { nativeBackendPlugin, createNativeBackend } from './plugin.js';
export type { NativeBackendOptions } from './plugin.js';
export {
  NATIVE_BACKEND_NAME,
  nativeKernels,
  quietCpuBackend,
  registerNativeBackend,
} from './native-backend.js';
export { BUILD_COMMAND, addonPath, loadAddon } from './addon.js';
export type { AddonLoad, NativeAddon } from './addon.js';
export { broadcastBatchIndex } from './kernels/batch-mat-mul.js';
