#!/usr/bin/env node
/**
 * Builds the release tarball: `npm run package` (or `node scripts/pack.mjs [--out DIR]`) writes
 * trustscope-<version>.tgz and prints its path on the last line. Publish that file
 * (`npm publish trustscope-<version>.tgz`); `npm pack` / `npm publish` from the repository root stop
 * with a pointer here (`--guard`, the prepack script).
 *
 * Why a staged pack: onnxruntime-node's postinstall (script/install.js) downloads CUDA libraries from
 * NuGet on linux/x64, whatever the machine, and fails the whole `npm install` without internet. It
 * honours only ONNXRUNTIME_NODE_INSTALL=skip, an npm config of the *installing* project
 * (onnxruntime-node-install=skip) or a flag — nothing a package can carry for its dependants: npm
 * reads .npmrc only from the root project, `overrides` only from the root package.json, and runs the
 * install scripts of bundled dependencies too (measured with npm 11.19). So the tarball bundles
 * onnxruntime-node 1.30.0 with that downloader removed; its JavaScript and its CPU binaries for every
 * platform are the registry's files, unchanged. Bundling needs the copy under node_modules/ of the
 * packed folder, and the developer's node_modules must stay untouched, hence the staging folder.
 *
 * The staged package ships dist/src (compiled into the stage with tsconfig.build.json: no source
 * maps, no bench or test code, nothing stale from an earlier build), README.md, LICENSE and
 * package.json without scripts or devDependencies.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Bundled with their install-time steps removed; their other dependencies ride along as bundled too. */
export const BUNDLED = ['onnxruntime-node'];
/** Files of onnxruntime-node used only by its downloader (script/) or to build it (lib/, the TypeScript sources). */
const DOWNLOADER_ONLY = { paths: ['script', 'lib'], dependencies: ['adm-zip', 'global-agent'] };
const LIFECYCLE = ['preinstall', 'install', 'postinstall', 'prepare', 'prepack', 'postpack', 'prepublish', 'prepublishOnly'];

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) => writeFileSync(path, JSON.stringify(value, null, 2) + '\n');

function run(command, args, options = {}) {
  return execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });
}

/** Compiles src/ straight into the stage, so no stale or dev-build file (source maps, bench) can ship. */
function build(stage) {
  run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')]);
}

/** package.json as published: no scripts (nothing runs at install) and no dev dependencies. */
function publishedManifest(pkg) {
  const { scripts: _scripts, devDependencies: _dev, ...rest } = pkg;
  for (const name of BUNDLED) if (!rest.dependencies?.[name]) throw new Error(`pack: ${name} is bundled but not a dependency`);
  return { ...rest, bundleDependencies: BUNDLED };
}

/** Copies an installed dependency into the stage, without lifecycle scripts (and for ORT, without its downloader). */
function stageDependency(name, stageModules) {
  const from = join(ROOT, 'node_modules', name);
  if (!existsSync(join(from, 'package.json'))) throw new Error(`pack: node_modules/${name} is missing; run npm ci first`);
  const to = join(stageModules, name);
  const dropped = name === 'onnxruntime-node' ? DOWNLOADER_ONLY : { paths: [], dependencies: [] };
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(from, src);
      return !dropped.paths.some((p) => rel === p || rel.startsWith(p + sep)) && !rel.endsWith('.map');
    },
  });
  const pkg = readJson(join(to, 'package.json'));
  for (const script of LIFECYCLE) if (pkg.scripts) delete pkg.scripts[script];
  for (const dep of dropped.dependencies) if (pkg.dependencies) delete pkg.dependencies[dep];
  delete pkg.devDependencies;
  if (name === 'onnxruntime-node')
    pkg.trustscopeBundle = 'bundled by trustscope without script/ (the postinstall that downloads CUDA libraries from NuGet on linux/x64) and lib/ (TypeScript sources); dist/ and the CPU binaries in bin/ are the registry files of this version, unchanged';
  writeJson(join(to, 'package.json'), pkg);
  return Object.keys(pkg.dependencies ?? {});
}

export function packRelease(outDir) {
  const pkg = readJson(join(ROOT, 'package.json'));
  const stage = mkdtempSync(join(tmpdir(), 'trustscope-stage-'));
  try {
    build(stage);
    writeJson(join(stage, 'package.json'), publishedManifest(pkg));
    for (const file of ['README.md', 'LICENSE']) cpSync(join(ROOT, file), join(stage, file));
    const modules = join(stage, 'node_modules');
    mkdirSync(modules);
    // The bundled packages' own dependencies (onnxruntime-common) come along, so the bundle is whole.
    const queue = [...BUNDLED];
    const staged = new Set();
    while (queue.length) {
      const name = queue.shift();
      if (staged.has(name)) continue;
      staged.add(name);
      queue.push(...stageDependency(name, modules));
    }
    mkdirSync(outDir, { recursive: true });
    const out = run('npm', ['pack', stage, '--pack-destination', resolve(outDir), '--ignore-scripts', '--silent'], { cwd: stage });
    const file = out.trim().split('\n').pop();
    return join(resolve(outDir), basename(file));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

const invoked = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  const args = process.argv.slice(2);
  if (args.includes('--guard')) {
    console.error(
      'trustscope: `npm pack` / `npm publish` of the repository root would ship onnxruntime-node as a plain dependency, whose\n' +
        'install script downloads CUDA libraries and fails without internet. Build the release tarball with `npm run package`\n' +
        '(scripts/pack.mjs: it bundles onnxruntime-node without that downloader), then `npm publish trustscope-<version>.tgz`.',
    );
    process.exit(1);
  }
  const at = args.indexOf('--out');
  const outDir = at >= 0 ? args[at + 1] : ROOT;
  console.log(packRelease(outDir));
}
