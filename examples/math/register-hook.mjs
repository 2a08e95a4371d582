// `node --import ./examples/math/register-hook.mjs ...` installs resolve-hook.mjs (see there why).
import { register } from 'node:module';

register('./resolve-hook.mjs', import.meta.url);
