/**
 * `npm run fuzz`: every reader of the input-file registry against seeded mutations of its committed
 * seed files (test/fixtures/formats/<reader>/), `--inputs N` per reader (default 100 000). A finding
 * is any error other than the reader's one-line FormatError, or an input slower than `--slow-ms`
 * (default 1000 ms). Prints per reader: inputs, inputs/s, slowest input, findings; writes each
 * finding's bytes to bench/out/fuzz/<reader>-<k>.bin so it can become a regression test.
 *
 *   npm run fuzz -- --inputs 20000 --only tiff,dm --seed 7
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readers } from '../../src/data/formats/registry.js';
import { FormatError } from '../../src/data/formats/reader.js';
import { Random } from '../../src/tensor/random.js';
import { mutate } from './mutate.js';

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '100000' },
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'slow-ms': { type: 'string', default: '1000' },
    fixtures: { type: 'string', default: 'test/fixtures/formats' },
  },
});
const inputs = Number(values.inputs);
const slowMs = Number(values['slow-ms']);
const only = values.only?.split(',');
const out = join('bench', 'out', 'fuzz');

/** Seed files of a reader: its fixture folder's files whose extension the reader claims, else all non-JSON files. */
function seeds(name: string, extensions: readonly string[]): Uint8Array[] {
  const dir = join(values.fixtures!, name === 'dm' ? 'dm' : name);
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => !f.endsWith('.json') && !f.endsWith('.py'));
  const own = files.filter((f) => extensions.some((e) => f.toLowerCase().endsWith(e)));
  return (own.length ? own : files).map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

console.log(`fuzzing ${inputs} inputs per reader (seed ${values.seed}, slow > ${slowMs} ms)`);
console.log('| reader | seeds | inputs | inputs/s | slowest | findings |');
console.log('|---|---:|---:|---:|---:|---:|');
let total = 0;
for (const reader of readers) {
  if (only && !only.includes(reader.name)) continue;
  const corpus = seeds(reader.name, reader.extensions);
  if (corpus.length === 0) {
    console.log(`| ${reader.name} | 0 | — | — | — | no seed files in ${values.fixtures}/${reader.name} |`);
    continue;
  }
  const rng = new Random(Number(values.seed));
  let findings = 0;
  let slowest = 0;
  const started = performance.now();
  for (let i = 0; i < inputs; i++) {
    const input = mutate(corpus[i % corpus.length], rng);
    const t = performance.now();
    let problem: string | undefined;
    try {
      await reader.read(input, `${reader.name}-mutant-${i}`);
    } catch (e) {
      if (!(e instanceof FormatError)) problem = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
    }
    const ms = performance.now() - t;
    slowest = Math.max(slowest, ms);
    if (ms > slowMs) problem = problem ?? `slow: ${ms.toFixed(0)} ms`;
    if (problem) {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, `${reader.name}-${findings}.bin`), input);
      if (findings < 5) console.error(`  ${reader.name} finding ${findings}: ${problem}`);
      findings++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  total += findings;
  console.log(`| ${reader.name} | ${corpus.length} | ${inputs} | ${(inputs / seconds).toFixed(0)} | ${slowest.toFixed(0)} ms | ${findings} |`);
}
process.exitCode = total > 0 ? 1 : 0;
