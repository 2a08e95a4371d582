// The plugin registry: built-in declarations plus external ones loaded by npm package name or by
// path, keyed by kind and id. Plugins do nothing on import; they are registered into a run's
// child container only when its config names them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { errors } from './errors.js';
import type { PluginKind } from './extension-points.js';
import { PLUGIN_KINDS } from './extension-points.js';
import type { PluginDeclaration } from './plugin.js';
import { isPluginDeclaration } from './plugin.js';
import { didYouMean } from './config/suggest.js';

export interface RegisteredPlugin {
  declaration: PluginDeclaration;
  /** Package name or path it came from, for error messages and `allo plugins`. */
  source: string;
  /** npm package name when known (a config may name a plugin by it). */
  packageName?: string;
}

export class PluginRegistry {
  private readonly byKind = new Map<PluginKind, Map<string, RegisteredPlugin>>();

  constructor(plugins: ReadonlyArray<{ declaration: PluginDeclaration; packageName: string }> = []) {
    for (const plugin of plugins) this.add(plugin.declaration, plugin.packageName, plugin.packageName);
  }

  add(declaration: PluginDeclaration, source: string, packageName?: string): void {
    if (!PLUGIN_KINDS.includes(declaration.kind)) {
      throw errors.pluginInvalid(source, `unknown kind "${declaration.kind}"; expected one of ${PLUGIN_KINDS.join(', ')}`);
    }
    let plugins = this.byKind.get(declaration.kind);
    if (plugins === undefined) {
      plugins = new Map();
      this.byKind.set(declaration.kind, plugins);
    }
    const existing = plugins.get(declaration.id);
    if (existing !== undefined) {
      throw errors.pluginDuplicate(declaration.kind, declaration.id, existing.source, source);
    }
    plugins.set(declaration.id, { declaration, source, packageName });
  }

  /** Finds a plugin by short id or package name; undefined when absent. */
  find(kind: PluginKind, use: string): RegisteredPlugin | undefined {
    const plugins = this.byKind.get(kind);
    if (plugins === undefined) return undefined;
    const byId = plugins.get(use);
    if (byId !== undefined) return byId;
    for (const plugin of plugins.values()) if (plugin.packageName === use) return plugin;
    return undefined;
  }

  /** Finds a plugin or throws PLUGIN_NOT_FOUND with a did-you-mean over that kind's ids. */
  get(kind: PluginKind, use: string, configPath: string): RegisteredPlugin {
    const found = this.find(kind, use);
    if (found !== undefined) return found;
    const ids = this.ids(kind);
    const known = ids.length === 0 ? 'none is installed' : `known ${kind} plugins: ${ids.join(', ')}`;
    throw errors.pluginNotFound(use, configPath, known, didYouMean(use, ids));
  }

  ids(kind: PluginKind): string[] {
    return [...(this.byKind.get(kind)?.keys() ?? [])].sort();
  }

  all(): RegisteredPlugin[] {
    return PLUGIN_KINDS.flatMap((kind) =>
      this.ids(kind).map((id) => this.byKind.get(kind)!.get(id)!),
    );
  }
}

/** Reads a package.json and returns the module file its "." export (or main) points at. */
function packageEntry(dir: string): { entry: string; name?: string } {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    name?: string;
    main?: string;
    exports?: unknown;
  };
  const pick = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    if ('.' in record) return pick(record['.']);
    for (const condition of ['import', 'node', 'default', 'require']) {
      const chosen = pick(record[condition]);
      if (chosen !== undefined) return chosen;
    }
    return undefined;
  };
  const relative = pick(manifest.exports) ?? manifest.main ?? 'index.js';
  return { entry: path.resolve(dir, relative), name: manifest.name };
}

/** Resolves a plugin specifier (package name, or a path relative to `baseDir`) to a module file. */
export function resolvePluginModule(specifier: string, baseDir: string, configPath: string): { file: string; name?: string } {
  const isPath = specifier.startsWith('.') || path.isAbsolute(specifier);
  if (isPath) {
    const target = path.resolve(baseDir, specifier);
    if (!existsSync(target)) {
      throw errors.pluginNotFound(specifier, configPath, `no file or folder at ${target}`);
    }
    if (statSync(target).isDirectory()) {
      if (!existsSync(path.join(target, 'package.json'))) {
        throw errors.pluginNotFound(specifier, configPath, `${target} is a folder without a package.json`);
      }
      const { entry, name } = packageEntry(target);
      if (!existsSync(entry)) {
        throw errors.pluginNotFound(specifier, configPath, `its package.json points at ${entry}, which does not exist (was it built?)`);
      }
      return { file: entry, name };
    }
    return { file: target };
  }
  for (let dir = path.resolve(baseDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', specifier);
    if (existsSync(path.join(candidate, 'package.json'))) {
      const { entry, name } = packageEntry(candidate);
      if (!existsSync(entry)) {
        throw errors.pluginNotFound(specifier, configPath, `package found at ${candidate}, but its entry ${entry} does not exist (was it built?)`);
      }
      return { file: entry, name: name ?? specifier };
    }
    if (path.dirname(dir) === dir) break;
  }
  throw errors.pluginNotFound(
    specifier,
    configPath,
    `no package "${specifier}" is installed in node_modules above ${baseDir} (install it with npm install ${specifier}, or give a relative path)`,
  );
}

/** The plugin declarations a module exports: `plugin`, the default export, or any declaration. */
export function declarationsOf(module: Record<string, unknown>, specifier: string): PluginDeclaration[] {
  const candidates = [module.plugin, module.default, ...Object.values(module)];
  const found = [...new Set(candidates.filter(isPluginDeclaration))];
  if (found.length === 0) {
    const names = Object.keys(module);
    const exported = names.length === 0 ? 'it exports nothing' : `it exports ${names.join(', ')}`;
    throw errors.pluginInvalid(specifier, `no export is a plugin declaration (${exported})`);
  }
  return found;
}

/** Imports external plugins named in a config's `plugins` list into the registry. */
export async function loadExternalPlugins(
  registry: PluginRegistry,
  specifiers: readonly string[],
  baseDir: string,
): Promise<RegisteredPlugin[]> {
  const loaded: RegisteredPlugin[] = [];
  for (const [index, specifier] of specifiers.entries()) {
    const configPath = `plugins[${index}]`;
    const { file, name } = resolvePluginModule(specifier, baseDir, configPath);
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (cause) {
      throw errors.pluginInvalid(specifier, `importing ${file} failed: ${(cause as Error).message}`);
    }
    for (const declaration of declarationsOf(module, specifier)) {
      const source = name ?? specifier;
      if (registry.find(declaration.kind, declaration.id)?.declaration === declaration) continue;
      registry.add(declaration, source, name);
      loaded.push(registry.find(declaration.kind, declaration.id)!);
    }
  }
  return loaded;
}
