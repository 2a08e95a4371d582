// The embedded default run's config, shipped as configs/default.json: users copy it, and every
// config is merged over it.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import { readConfigFile } from '@allo/core';
import type { ConfigLayer } from '@allo/core';

export const DEFAULT_CONFIG_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../configs/default.json');

export function defaultLayer(): ConfigLayer {
  const layer = readConfigFile(DEFAULT_CONFIG_FILE);
  return { ...layer, file: `${DEFAULT_CONFIG_FILE} (embedded default)` };
}
