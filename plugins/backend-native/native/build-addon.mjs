// Builds the allo native addon (N-API, OpenBLAS) with node-gyp, offline: Node's headers come
// from the local install (npm's `nodedir`, or the prefix of the running node), never from the
// network. Exits non-zero with one line saying what is missing; tools/postinstall.mjs treats
// that as "native kernels disabled", not as a failed install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

function fail(message) {
  process.stderr.write(`allo native build: ${message}\n`);
  process.exit(1);
}

function nodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'),
  ];
  for (const dir of candidates) {
    if (dir && existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  return null;
}

function hasOpenBlas() {
  const headers = [
    '/usr/include/cblas.h',
    '/usr/include/x86_64-linux-gnu/cblas.h',
    '/usr/include/aarch64-linux-gnu/cblas.h',
    '/usr/include/openblas/cblas.h',
    '/usr/local/include/cblas.h',
    '/opt/homebrew/opt/openblas/include/cblas.h',
  ];
  return headers.some((file) => existsSync(file));
}

const dir = nodeDir();
if (dir === null)
  fail(
    `no Node.js headers found (looked for include/node/node_api.h under npm's nodedir and ${path.resolve(path.dirname(process.execPath), '..')}); install them (Debian: apt-get install libnode-dev) or set npm_config_nodedir`,
  );
if (!hasOpenBlas())
  fail(
    'OpenBLAS headers (cblas.h) not found; install them (Debian: apt-get install libopenblas-dev; macOS: brew install openblas) and run `npm run build:native`',
  );

const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(gyp)) fail(`node-gyp not found at ${gyp}; run npm ci first`);

const result = spawnSync(
  process.execPath,
  [gyp, 'rebuild', `--nodedir=${dir}`, '--jobs=2', '--loglevel=warn'],
  {
    cwd: here,
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
if (result.status !== 0)
  fail(`node-gyp rebuild failed in ${here} (exit ${result.status}); the messages above say why`);
process.stdout.write(
  `allo native build: built ${path.join(here, 'build', 'Release', 'allo_native.node')}\n`,
);
