#!/usr/bin/env node
// Writes docs/config-reference.md from the core and plugin schemas (npm run docs:config).
import { writeFileSync } from 'node:fs';

import { builtinRegistry, configReference } from '@allo/cli';

writeFileSync(new URL('../docs/config-reference.md', import.meta.url), configReference(builtinRegistry()));
