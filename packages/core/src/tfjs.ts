// tfjs-core registers gradients and chained ops only as ESM side-effect modules that plain Node
// cannot load (their imports have no file extensions). The @tensorflow/tfjs bundle registers
// both on the CommonJS tfjs-core that every allo package imports, so allo loads it once here,
// before any tape runs.
import '@tensorflow/tfjs';
