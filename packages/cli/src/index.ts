// Public names of @allo/cli.
export { main, exitCodeFor } from './main.js';
export { builtinPlugins, builtinRegistry } from './builtins.js';
export { DEFAULT_CONFIG_FILE, defaultLayer } from './defaults.js';
export { configReference } from './config-reference.js';
