// Public names of @allo/backend-cpu.
export { cpuBackendPlugin, createCpuBackend, silenceNodeNag } from './cpu-backend.js';
