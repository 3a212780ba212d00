/**
 * Installs as a package, offline: the release tarball (`npm run package`) installs into an empty
 * project from npm's cache alone — no dependency's install script may reach out (onnxruntime-node's
 * downloads CUDA libraries from NuGet) — ships what it should and nothing else, and its `trustscope`
 * command runs. About a minute: packing ~115 MB of ONNX Runtime binaries dominates.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { randomTensor } from '../helpers/models.js';
import { ROOT, plainEnv, runIn } from './built-cli.js';
import { writeConsumerProject } from './consumer-project.js';

const work = mkdtempSync(join(tmpdir(), 'trustscope-package-'));
const consumer = join(work, 'consumer');
const unpacked = join(work, 'unpacked', 'package');
let tgz = '';
let members: string[] = [];
// No npm config from `npm test`, no skip flag: a user's plain `npm install`.
const env = plainEnv({ npm_config_update_notifier: 'false' });
function listFiles(dir: string, rel: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`]));
}
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const show = (r: { status: number | null; stdout: string; stderr: string }) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

beforeAll(() => {
  const pack = runIn(ROOT, env, process.execPath, ['scripts/pack.mjs', '--out', work]);
  if (pack.status !== 0) throw new Error(`npm run package failed: ${show(pack)}`);
  tgz = pack.stdout.trim().split('\n').pop()!;
  mkdirSync(join(work, 'unpacked'));
  const untar = runIn(work, env, 'tar', ['-xzf', tgz, '-C', join(work, 'unpacked')]);
  if (untar.status !== 0) throw new Error(`tar failed: ${show(untar)}`);
  members = listFiles(join(work, 'unpacked'), '');
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the release tarball', () => {
  it('ships dist/src, README, LICENSE and the bundled runtime, and nothing else', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(tgz.endsWith(`trustscope-${pkg.version}.tgz`)).toBe(true);
    const own = members.filter((m) => !m.startsWith('package/node_modules/'));
    expect(own).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/src/cli/main.js', 'package/dist/src/index.js', 'package/dist/src/index.d.ts']));
    expect(own.filter((m) => !/^package\/(package\.json|README\.md|LICENSE|dist\/src\/.+\.(js|d\.ts))$/.test(m))).toEqual([]);
    expect(own.filter((m) => m.endsWith('.map'))).toEqual([]);
    // The bundled onnxruntime-node carries its binaries but not the downloader.
    expect(members).toContain('package/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1');
    expect(members.filter((m) => m.startsWith('package/node_modules/onnxruntime-node/script/'))).toEqual([]);
    const manifest = readJson(join(unpacked, 'package.json'));
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.bundleDependencies).toEqual(['onnxruntime-node']);
    const ort = readJson(join(unpacked, 'node_modules', 'onnxruntime-node', 'package.json')) as { scripts?: Record<string, string> };
    expect(ort.scripts?.postinstall).toBeUndefined();
  });

  it('npm install --offline of the tarball into an empty project works, and `trustscope` runs', async () => {
    const name = tgz.split('/').pop()!;
    mkdirSync(consumer);
    copyFileSync(tgz, join(consumer, name));
    writeConsumerProject(consumer, join(consumer, name), unpacked, join(ROOT, 'package-lock.json'));
    const install = runIn(consumer, env, 'npm', ['install', '--offline', '--no-audit', '--no-fund', `./${name}`]);
    expect(install.status, show(install)).toBe(0);
    expect(install.stderr).not.toMatch(/nuget|Downloading/i);
    // npm used the bundled copy (no downloader), wherever it placed it.
    const ortDir = ['node_modules/trustscope/node_modules/onnxruntime-node', 'node_modules/onnxruntime-node'].map((p) => join(consumer, p)).find((p) => existsSync(p));
    expect(ortDir).toBeDefined();
    expect(existsSync(join(ortDir!, 'script'))).toBe(false);

    const help = runIn(consumer, env, 'npx', ['--offline', 'trustscope', '--help']);
    expect(help.status, show(help)).toBe(0);
    expect(help.stdout).toContain('Usage: trustscope');

    await saveOnnxGraph(join(consumer, 'model.onnx'), tinyCnn({ size: 8, seed: 3 }));
    await writeNpy(join(consumer, 'x.npy'), randomTensor([2, 1, 8, 8], 5));
    const explain = runIn(consumer, env, 'npx', ['--offline', 'trustscope', 'explain', '--model', 'model.onnx', '--input', 'x.npy', '--method', 'saliency', '--out', 'saliency']);
    expect(explain.status, show(explain)).toBe(0);
    expect(explain.stderr).toBe('');
    expect((await readNpy(join(consumer, 'saliency', 'attributions.npy'))).shape).toEqual([2, 1, 8, 8]);
  }, 300_000);

  it('npm pack of the repository root stops and names `npm run package`', () => {
    const r = runIn(ROOT, env, 'npm', ['pack', '--dry-run']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('npm run package');
  });
});
