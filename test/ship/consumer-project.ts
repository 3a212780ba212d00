/**
 * A fresh project that depends on the release tarball, with a package-lock.json, so that
 * `npm install --offline ./trustscope-x.y.z.tgz` can run from npm's cache alone.
 *
 * Why a lock: `npm ci` caches the tarballs of the repository's dependencies but not their registry
 * metadata (packuments), and an install without a lock needs that metadata to resolve version ranges
 * (ENOTCACHED offline). The lock written here pins every dependency of the tarball to the version the
 * repository's own lock resolved — what a user with registry access would get on the day it was
 * locked — and lists the bundled packages as npm records them (inBundle). The install itself (reading
 * the tarball, extracting, linking bins, running install scripts) is npm's, unchanged.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

type LockEntry = Record<string, unknown> & { version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
type Manifest = { name: string; version: string; license?: string; bin?: unknown; engines?: unknown; os?: unknown; cpu?: unknown; dependencies?: Record<string, string>; bundleDependencies?: string[] };

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Names of the packages bundled in an unpacked tarball (its node_modules/, scoped ones included). */
export function bundledNames(unpacked: string): string[] {
  const modules = join(unpacked, 'node_modules');
  if (!existsSync(modules)) return [];
  return readdirSync(modules).flatMap((n) => (n.startsWith('@') ? readdirSync(join(modules, n)).map((m) => `${n}/${m}`) : [n])).filter((n) => existsSync(join(modules, n, 'package.json')));
}

/** Where node would find `name` from the package at lock path `from` (walking up the node_modules folders). */
function resolveInLock(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const key = `${base ? base + '/' : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut >= 0 ? base.slice(0, cut) : '';
  }
}

/** `unpacked`: the tarball's `package/` folder, extracted (reading the 100 MB tarball once is enough). */
export function writeConsumerProject(dir: string, tgz: string, unpacked: string, repoLockPath: string): Manifest {
  const tgzName = basename(tgz);
  const manifest = readJson<Manifest>(join(unpacked, 'package.json'));
  const bundled = new Set(bundledNames(unpacked));

  const repo = JSON.parse(readFileSync(repoLockPath, 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${tgzName}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { [manifest.name]: spec } },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: spec,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bundleDependencies: manifest.bundleDependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const name of bundled) {
    const pkg = readJson<Manifest>(join(unpacked, 'node_modules', name, 'package.json'));
    packages[`node_modules/${manifest.name}/node_modules/${name}`] = { version: pkg.version, inBundle: true, license: pkg.license, dependencies: pkg.dependencies, os: pkg.os, cpu: pkg.cpu };
  }
  // Everything the unbundled dependencies need, at the places the repository's lock put them.
  // Optional and peer dependencies the repository did not install are left out, as npm would.
  const stack: [string, string, boolean][] = Object.keys(manifest.dependencies ?? {}).filter((n) => !bundled.has(n)).map((n) => ['', n, true]);
  while (stack.length) {
    const [from, name, required] = stack.pop()!;
    const key = resolveInLock(repo.packages, from, name);
    if (!key) {
      if (required) throw new Error(`consumer lock: ${name} (needed by '${from || 'trustscope'}') is not in ${repoLockPath}`);
      continue;
    }
    if (packages[key]) continue;
    const entry = repo.packages[key];
    packages[key] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) stack.push([key, dep, true]);
    for (const dep of Object.keys({ ...entry.optionalDependencies, ...entry.peerDependencies })) stack.push([key, dep, false]);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: { [manifest.name]: spec } }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  return manifest;
}
