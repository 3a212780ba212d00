/**
 * Nothing leaves the machine, nothing is recorded behind the user's back: the built CLI (`explain`,
 * and `audit` without its slow retraining stages) runs with HOME, XDG_CACHE_HOME and TMPDIR pointed at
 * empty folders and a fresh working folder, and none of them may hold anything afterwards — ONNX
 * Runtime's telemetry would leave Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db}, a
 * mat-debug-<pid>.log, or `:memory:.ses` in the working folder. The CI variables ORT looks for (CI,
 * GITHUB_ACTIONS…) are removed first: ORT stays silent under CI by itself, which would hide a
 * regression in CI. Then the same under `unshare -n` (no network interfaces at all).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { DataType } from '../../src/onnx/graph.js';
import { tensor } from '../../src/tensor/tensor.js';
import { CLI, ROOT, ensureBuilt, plainEnv, runIn } from './built-cli.js';

/** ORT's list of CI markers (onnxruntime/core/platform/telemetry_environment.h) and its own switches. */
const ORT_SILENCERS = [
  'CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID', 'BUILDKITE',
  'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER', 'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI', 'ORT_RUNNING_UNIT_TESTS',
  'ORT_DISABLE_TELEMETRY', 'ORT_TELEMETRY_DISABLED', 'TRUSTSCOPE_DEBUG',
];

const root = mkdtempSync(join(tmpdir(), 'trustscope-privacy-'));
const dir = (name: string) => join(root, name);
const WATCHED = ['home', 'cache', 'tmp', 'work'];

function userEnv(): NodeJS.ProcessEnv {
  const env = plainEnv({ HOME: dir('home'), XDG_CACHE_HOME: dir('cache'), TMPDIR: dir('tmp') });
  for (const name of ORT_SILENCERS) delete env[name];
  return env;
}

/** Every file and folder under the watched folders, as paths relative to the test root. */
function leftovers(): string[] {
  const found: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      found.push(`${rel}/${e.name}`);
      if (e.isDirectory()) walk(join(d, e.name), `${rel}/${e.name}`);
    }
  };
  for (const w of WATCHED) walk(dir(w), w);
  return found;
}

function resetWatched(): void {
  for (const w of WATCHED) {
    rmSync(dir(w), { recursive: true, force: true });
    mkdirSync(dir(w));
  }
}

const EXPLAIN = () => ['explain', '--model', dir('data/model.onnx'), '--input', dir('data/x.npy'), '--method', 'saliency', '--out', dir('out/saliency')];
const AUDIT = () => ['audit', '--model', dir('data/model.onnx'), '--input', dir('data/x.npy'), '--labels', dir('data/y.npy'), '--skip', 'leakage,ood', '--quiet', '--out', dir('out/audit')];
const ANSI = /\u001b\[/;

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(dir('data'));
  mkdirSync(dir('out'));
  // An initializer no node uses: ONNX Runtime warns about it ("Removing initializer …") at its default log level.
  const graph = tinyCnn({ seed: 2 });
  const initializers = new Map(graph.initializers);
  initializers.set('unused_weight', { dataType: DataType.FLOAT, dims: [2], data: new Float32Array([1, 2]) });
  await saveOnnxGraph(dir('data/model.onnx'), { ...graph, initializers });
  const data = generateEmDefects({ count: 40, seed: 3 });
  await writeNpy(dir('data/x.npy'), data.images);
  await writeNpy(dir('data/y.npy'), tensor([40], data.labels));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('privacy: the CLI records nothing outside its outputs', () => {
  for (const [name, args, output] of [
    ['explain', EXPLAIN, 'out/saliency/attributions.npy'],
    ['audit', AUDIT, 'out/audit/audit.json'],
  ] as const) {
    it(`${name}: nothing under HOME, XDG_CACHE_HOME, TMPDIR or the working folder; no ONNX Runtime line or ANSI code on stderr`, () => {
      resetWatched();
      // Files left by other processes earlier (a recycled pid) are not this run's.
      const earlier = new Set(readdirSync('/tmp').filter((f) => f.startsWith('mat-debug-')));
      const r = runIn(dir('work'), userEnv(), process.execPath, [CLI, ...args()]);
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(dir(output))).toBe(true);
      expect(leftovers()).toEqual([]);
      // A telemetry run leaves $TMPDIR/mat-debug-<pid>.log; check /tmp too in case TMPDIR is ignored.
      const debugLog = `mat-debug-${r.pid}.log`;
      expect(existsSync(join('/tmp', debugLog)) && !earlier.has(debugLog)).toBe(false);
      expect(r.stderr).not.toMatch(/onnxruntime/i);
      expect(r.stderr).not.toMatch(ANSI);
      expect(r.stdout).not.toMatch(ANSI);
    }, 120_000);
  }

  it('onnxruntime-node is loaded only after the telemetry switch is set (order of the compiled ES modules)', () => {
    // A CommonJS hook sees the native binding being required and reports the switch at that moment.
    const hook = join(root, 'hook.cjs');
    writeFileSync(
      hook,
      "const M = require('module'); const load = M._load;\n" +
        "M._load = function (request) { if (/onnxruntime_binding\\.node$/.test(request)) process.stdout.write('ORT_DISABLE_TELEMETRY=' + process.env.ORT_DISABLE_TELEMETRY + ' ORT_TELEMETRY_DISABLED=' + process.env.ORT_TELEMETRY_DISABLED + '\\n'); return load.apply(this, arguments); };\n",
    );
    for (const entry of ['dist/src/index.js', 'dist/src/cli/main.js', 'dist/src/onnx/runtime.js']) {
      const r = runIn(dir('work'), userEnv(), process.execPath, ['--require', hook, '--input-type=module', '-e', `await import(${JSON.stringify(join(ROOT, entry))});`]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim(), entry).toBe('ORT_DISABLE_TELEMETRY=1 ORT_TELEMETRY_DISABLED=1');
    }
    // An explicit choice by the user is kept (opting back in is theirs to make).
    const optIn = runIn(dir('work'), { ...userEnv(), ORT_DISABLE_TELEMETRY: '0' }, process.execPath, ['--require', hook, '--input-type=module', '-e', `await import(${JSON.stringify(join(ROOT, 'dist/src/index.js'))});`]);
    expect(optIn.stdout.trim()).toBe('ORT_DISABLE_TELEMETRY=0 ORT_TELEMETRY_DISABLED=0');
  });
});

describe('offline: the CLI needs no network', () => {
  const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p));
  const probe = unshare && process.getuid?.() === 0 ? runIn(root, plainEnv(), unshare, ['-n', 'true']) : undefined;
  const reason = !unshare ? 'unshare is not installed' : process.getuid?.() !== 0 ? 'not running as root' : probe?.status !== 0 ? `unshare -n is not permitted here (${probe?.stderr.trim()})` : '';
  if (reason) console.log(`skipping the network-namespace runs: ${reason}`);

  it.skipIf(reason !== '')('explain and audit succeed in a network namespace with no interfaces (unshare -n)', () => {
    for (const args of [EXPLAIN(), AUDIT()]) {
      resetWatched();
      const r = runIn(dir('work'), userEnv(), unshare!, ['-n', process.execPath, CLI, ...args]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(leftovers()).toEqual([]);
    }
  }, 120_000);
});
