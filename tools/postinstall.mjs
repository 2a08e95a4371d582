// Runs after `npm ci`: builds the optional native kernels, then compiles the TypeScript packages
// so that `npx allo` works with no further step. A failed native build only warns; a failed
// TypeScript build fails the install, since nothing would run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const nativeBuild = path.join(root, 'plugins/backend-native/native/build-addon.mjs');

if (existsSync(nativeBuild) && process.env.ALLO_SKIP_NATIVE !== '1') {
  const native = spawnSync(process.execPath, [nativeBuild], { cwd: root, stdio: 'inherit' });
  if (native.status !== 0) {
    process.stderr.write(
      'allo: the native kernels did not build; runs fall back to the pure-JS cpu backend. Install OpenBLAS (Debian: apt-get install libopenblas-dev) and run `npm run build:native` to enable them.\n',
    );
  }
}

const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(tsc.status ?? 1);
