/**
 * The README's examples run from every copy of the demo's example tiles: each command in the
 * README's examples block is run once per input form (.npy, multi-page TIFF, folder of 16-bit PNGs)
 * and every number it writes must be identical. The examples folder is written by the same function
 * `audit --demo` uses, on a small seeded tile set, beside an untrained tiny CNN named as the demo
 * names its model (the equality, not the model's quality, is under test).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { prepareOutputFolder } from '../../src/cli/output-folder.js';
import { EXAMPLE_FILES, writeDemoExamples } from '../../src/cli/demo-examples.js';
import { readImages } from '../../src/cli/inputs.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const REPORT = 'trustscope-report';
const FORMS = { npy: EXAMPLE_FILES.npy, tiff: EXAMPLE_FILES.tiff, png: EXAMPLE_FILES.png } as const;
/** True for an argument naming one of the example inputs as the README does (trustscope-report/examples/…). */
const isExampleInput = (a: string) => Object.values(FORMS).some((f) => a === `${REPORT}/${f}`);
const bytesOf = (t: { data: Float32Array }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const dirP = tempDir('trustscope-examples-');
let dir: string;

/** The commands of the README's examples block, continuation lines joined, as argv after 'trustscope'. */
async function readmeCommands(): Promise<string[][]> {
  const readme = await readFile('README.md', 'utf8');
  const block = readme.split('<!-- examples:start -->')[1]?.split('<!-- examples:end -->')[0];
  if (!block) throw new Error('README.md has no <!-- examples:start --> … <!-- examples:end --> block');
  const joined = block.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('npx trustscope '))
    .map((l) => l.slice('npx trustscope '.length).split(/\s+/));
}

/** The command with its example input swapped for `form`, paths under the temp folder, --out per form. */
function variant(argv: readonly string[], form: keyof typeof FORMS): string[] {
  return argv.map((a, i) => {
    if (argv[i - 1] === '--out') return join(dir, `${a}-${form}`);
    if (isExampleInput(a)) return join(dir, REPORT, FORMS[form]);
    if (a.startsWith(`${REPORT}/`)) return join(dir, a);
    return a;
  });
}

/** Every file of a folder (recursively), relative names. */
async function files(root: string, sub = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, sub), { withFileTypes: true })) {
    const name = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await files(root, name)));
    else out.push(name);
  }
  return out.sort();
}

/** JSON without the wall-clock fields (the only thing allowed to differ between two runs). */
function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => !/^(timings|seconds|elapsed|provenance)$/.test(k)).map(([k, v]) => [k, withoutTimes(v)]));
  return value;
}

beforeAll(async () => {
  dir = (await dirP).dir;
  const tiles = generateEmDefects({ count: 24, seed: 5, artifact: 'with-defect' });
  const folder = await prepareOutputFolder(join(dir, REPORT), 'audit');
  await writeDemoExamples(folder, tiles);
  await folder.finish();
  await saveOnnxGraph(join(dir, REPORT, 'shortcut-model.onnx'), tinyCnn({ size: 32, seed: 2 }));
});
afterAll(async () => (await dirP).cleanup());

describe('the demo examples in three formats', () => {
  it('hold bit-identical images: .npy, the TIFF stack and the PNG folder read as the same batch', async () => {
    const read = async (form: keyof typeof FORMS) => readImages(join(dir, REPORT, FORMS[form]), [1, 32, 32]);
    const [npy, tiff, png] = [await read('npy'), await read('tiff'), await read('png')];
    expect(npy.batch.shape).toEqual([24, 1, 32, 32]);
    expect(tiff.batch.shape).toEqual(npy.batch.shape);
    expect(png.batch.shape).toEqual(npy.batch.shape);
    expect(png.files.length).toBe(24);
    // Compared as bytes with equals(): a failing deep-equal diff of 24 576 floats would take minutes to print.
    expect(bytesOf(tiff.batch).equals(bytesOf(npy.batch))).toBe(true);
    expect(bytesOf(png.batch).equals(bytesOf(npy.batch))).toBe(true);
    // Quantised to 16 bits: every value is float32(k × (1/65535)) for an integer k.
    expect(npy.batch.data.every((v) => Math.fround(Math.round(v * 65535) * (1 / 65535)) === v)).toBe(true);
  });

  it('every README example gives the same numbers from .npy, TIFF and PNG inputs', async () => {
    const commands = await readmeCommands();
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const argv of commands) {
      expect(argv.some(isExampleInput), argv.join(' ')).toBe(true);
      const outs: Record<string, string> = {};
      for (const form of Object.keys(FORMS) as (keyof typeof FORMS)[]) {
        const args = variant(argv, form);
        const r = await runCli(args);
        // Progress lines may go to stderr; an error would be a 'trustscope: ' line.
        // (a warning — IG's completeness on this untrained stand-in model — is not an error).
        expect(r.stderr.filter((l) => l.startsWith('trustscope:') && !l.startsWith('trustscope: warning:')), args.join(' ')).toEqual([]);
        expect(r.code, args.join(' ')).toBe(0);
        outs[form] = args[args.indexOf('--out') + 1];
      }
      const names = await files(outs.npy);
      expect(names.length).toBeGreaterThan(1);
      for (const form of ['tiff', 'png']) expect(await files(outs[form])).toEqual(names);
      for (const name of names.filter((n) => n !== 'run.json' && !n.endsWith('.html'))) {
        const [a, b, c] = await Promise.all([outs.npy, outs.tiff, outs.png].map((o) => readFile(join(o, name))));
        if (name.endsWith('.json')) {
          const [ja, jb, jc] = [a, b, c].map((x) => withoutTimes(JSON.parse(x.toString('utf8'))));
          expect(jb, `${argv[0]} ${name} (tiff)`).toEqual(ja);
          expect(jc, `${argv[0]} ${name} (png)`).toEqual(ja);
        } else {
          expect(b.equals(a), `${argv[0]} ${name} (tiff)`).toBe(true);
          expect(c.equals(a), `${argv[0]} ${name} (png)`).toBe(true);
        }
      }
    }
  });
});
