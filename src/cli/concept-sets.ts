/**
 * `explore --concepts`: TCAV's example sets, from a folder (DIR/<concept>/ images, DIR/random…/
 * random sets) or a CSV manifest with the columns file,concept (one row per image, paths relative to
 * the CSV; a concept named random* is a random set, e.g. random-1, random-2, …). Both end as named
 * concept sets and ≥ 3 random sets; every problem is one line naming the file (and CSV line).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { Normalisation } from '../data/normalise.js';
import { parseCsv } from '../data/csv.js';
import { fsErrorReason } from '../io/atomic-write.js';
import type { ConceptSet } from '../concepts/tcav.js';
import { concatRows, type Tensor } from '../tensor/tensor.js';
import { UsageError } from './errors.js';
import { readImageFile, readImages } from './inputs.js';

export interface ConceptSets {
  concepts: ConceptSet[];
  randoms: Tensor[];
  /** Every file read (for run.json). */
  files: string[];
}

/** TCAV's significance test puts each random set in the concept's role against the others: it needs 3. */
export const MIN_RANDOM_SETS = 3;

const isRandom = (name: string) => name.toLowerCase().startsWith('random');

function checkSets(source: string, concepts: ConceptSet[], randoms: Tensor[], how: string): void {
  if (concepts.length === 0) throw new UsageError(`--concepts ${source} has no concept set (${how} not named random*)`);
  if (randoms.length < MIN_RANDOM_SETS) {
    throw new UsageError(`--concepts ${source} has ${randoms.length} random set${randoms.length === 1 ? '' : 's'} (${how} named random*); TCAV's significance test needs at least ${MIN_RANDOM_SETS} (10 or more recommended)`);
  }
}

/** Concept sets from DIR/<name>/ and random sets from the sub-folders named random…. */
export async function readConceptFolders(dir: string, modelShape: readonly number[], normalise?: Normalisation): Promise<ConceptSets> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    throw new UsageError(`--concepts ${dir} is not a readable folder; give a folder with one sub-folder of images per concept and random*/ sub-folders, or a CSV with columns file,concept`);
  }
  const concepts: ConceptSet[] = [];
  const randoms: Tensor[] = [];
  const files: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!(await stat(path)).isDirectory()) continue;
    const read = await readImages(path, modelShape, normalise);
    files.push(...read.files);
    if (isRandom(name)) randoms.push(read.batch);
    else concepts.push({ name, images: read.batch });
  }
  checkSets(dir, concepts, randoms, 'sub-folders');
  return { concepts, randoms, files };
}

/** Concept sets from a CSV manifest with the columns file,concept (in any order; other columns refused). */
export async function readConceptManifest(csv: string, modelShape: readonly number[], normalise?: Normalisation): Promise<ConceptSets> {
  let text: string;
  try {
    text = await readFile(csv, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --concepts ${csv}: ${fsErrorReason(e)}`);
  }
  let rows;
  try {
    rows = parseCsv(text, csv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (rows.length === 0) throw new UsageError(`${csv} is empty; it needs a header line 'file,concept' and one row per image`);
  const [header, ...body] = rows;
  const names = header.cells.map((c) => c.trim());
  for (const n of names) if (n !== 'file' && n !== 'concept') throw new UsageError(`${csv}:${header.line}: unknown column '${n}'; a concept manifest has the columns file,concept`);
  const fileColumn = names.indexOf('file');
  const conceptColumn = names.indexOf('concept');
  if (fileColumn < 0 || conceptColumn < 0) throw new UsageError(`${csv}:${header.line}: the header needs the columns file and concept (it names ${names.join(', ') || 'nothing'})`);
  if (body.length === 0) throw new UsageError(`${csv} names no images: it has a header but no rows`);
  const folder = dirname(csv);
  // Sets in order of first appearance; each set's images in row order.
  const sets = new Map<string, Tensor[]>();
  const files = [csv];
  for (const row of body) {
    if (row.cells.length !== names.length) throw new UsageError(`${csv}:${row.line}: ${row.cells.length} cells but the header has ${names.length} columns`);
    const file = row.cells[fileColumn].trim();
    const concept = row.cells[conceptColumn].trim();
    if (file === '' || concept === '') throw new UsageError(`${csv}:${row.line}: column '${file === '' ? 'file' : 'concept'}' is empty; every row needs an image file and its concept name`);
    const path = isAbsolute(file) ? file : resolve(folder, file);
    let batch: Tensor;
    try {
      batch = (await readImageFile(path, modelShape, normalise)).batch;
    } catch (e) {
      throw new UsageError(`${csv}:${row.line}: ${(e as Error).message.replace(/^trustscope: /, '')}`);
    }
    files.push(path);
    sets.set(concept, [...(sets.get(concept) ?? []), batch]);
  }
  const concepts: ConceptSet[] = [];
  const randoms: Tensor[] = [];
  for (const [name, parts] of sets) {
    const images = concatRows(parts);
    if (isRandom(name)) randoms.push(images);
    else concepts.push({ name, images });
  }
  checkSets(csv, concepts, randoms, 'concepts');
  return { concepts, randoms, files };
}

/** A .csv file is a manifest; anything else a folder. */
export function readConceptSets(path: string, modelShape: readonly number[], normalise?: Normalisation): Promise<ConceptSets> {
  return extname(path).toLowerCase() === '.csv' ? readConceptManifest(path, modelShape, normalise) : readConceptFolders(path, modelShape, normalise);
}
