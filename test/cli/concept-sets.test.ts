/** --concepts as a folder or a CSV manifest (file,concept): the same sets either way, one-line errors. */
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { readConceptFolders, readConceptManifest, readConceptSets } from '../../src/cli/concept-sets.js';
import { randomTensor, tempDir } from '../helpers/models.js';

const dirP = tempDir('trustscope-concept-sets-');
let dir: Awaited<typeof dirP>;
const shape = [1, 8, 8];

beforeAll(async () => {
  dir = await dirP;
  for (const [name, seed] of [['stripes', 1], ['random-1', 2], ['random-2', 3], ['random-3', 4]] as const) {
    await mkdir(dir.path(`sets/${name}`), { recursive: true });
    await writeNpy(dir.path(`sets/${name}/a.npy`), randomTensor([2, 1, 8, 8], seed));
    await writeNpy(dir.path(`sets/${name}/b.npy`), randomTensor([1, 1, 8, 8], seed + 10));
  }
});
afterAll(async () => dir.cleanup());

const manifest = async (name: string, text: string) => {
  await writeFile(dir.path(name), text);
  return dir.path(name);
};

describe('concept sets', () => {
  it('reads the same sets from a CSV manifest as from the folders (rows in any order, paths relative to the CSV)', async () => {
    const folders = await readConceptFolders(dir.path('sets'), shape);
    const rows = ['stripes', 'random-1', 'random-2', 'random-3'].flatMap((n) => [`sets/${n}/a.npy,${n}`, `sets/${n}/b.npy,${n}`]);
    const csv = await manifest('c.csv', ['file,concept', ...rows.reverse()].join('\n') + '\n');
    const fromCsv = await readConceptSets(csv, shape);
    expect(fromCsv.concepts.map((c) => c.name)).toEqual(['stripes']);
    expect(fromCsv.randoms).toHaveLength(3);
    // Reversed rows: b before a in each set; the folder reads a then b.
    const c = fromCsv.concepts[0].images;
    const f = folders.concepts[0].images;
    expect(c.shape).toEqual([3, 1, 8, 8]);
    expect(Array.from(c.data.subarray(64))).toEqual(Array.from(f.data.subarray(0, 128)));
    expect(Array.from(c.data.subarray(0, 64))).toEqual(Array.from(f.data.subarray(128)));
    expect(fromCsv.files).toHaveLength(1 + rows.length);
  });

  it('accepts the columns in either order', async () => {
    const csv = await manifest('swapped.csv', 'concept,file\nstripes,sets/stripes/a.npy\nrandom-a,sets/random-1/a.npy\nrandom-b,sets/random-2/a.npy\nrandom-c,sets/random-3/a.npy\n');
    const sets = await readConceptManifest(csv, shape);
    expect(sets.concepts[0].images.shape[0]).toBe(2);
    expect(sets.randoms).toHaveLength(3);
  });

  it('refuses bad manifests with one line naming the file and line', async () => {
    const cases: [string, string, RegExp][] = [
      ['nohead.csv', 'path,label\na.npy,1\n', /nohead\.csv:1: unknown column 'path'; a concept manifest has the columns file,concept/],
      ['onecol.csv', 'file\nsets/stripes/a.npy\n', /onecol\.csv:1: the header needs the columns file and concept/],
      ['missing.csv', 'file,concept\nsets/nope.npy,stripes\n', /missing\.csv:2: .*nope\.npy/],
      ['empty-cell.csv', 'file,concept\nsets/stripes/a.npy,\n', /empty-cell\.csv:2: column 'concept' is empty/],
      ['few.csv', 'file,concept\nsets/stripes/a.npy,stripes\nsets/random-1/a.npy,random-1\n', /has 1 random set \(concepts named random\*\); .* at least 3/],
      ['onlyrandom.csv', 'file,concept\nsets/random-1/a.npy,random-1\n', /has no concept set/],
      ['rows.csv', 'file,concept\n', /names no images/],
    ];
    for (const [name, text, message] of cases) {
      const csv = await manifest(name, text);
      await expect(readConceptManifest(csv, shape)).rejects.toThrow(message);
    }
    await expect(readConceptManifest(dir.path('absent.csv'), shape)).rejects.toThrow(/cannot read --concepts .*absent\.csv/);
  });
});
