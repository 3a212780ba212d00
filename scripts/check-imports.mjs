#!/usr/bin/env node
/**
 * The pipeline's import direction (DESIGN.md: "nothing imports upward"), checked. Each folder of
 * src/ has a tier; a file may import from its own folder and from folders of a lower tier, never from
 * a higher tier and never from a sibling of the same tier. `node scripts/check-imports.mjs` prints
 * every back-edge and exits 1; `npm test` runs it (test/architecture/imports.test.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lower tiers first. Folders in one tier are siblings: they may not import each other. */
export const TIERS = [
  ['tensor', 'options', 'io'],
  ['onnx'],
  ['models'],
  ['data'],
  ['attribution', 'tabular', 'trust', 'concepts', 'generative'],
  ['evaluate'],
  ['training'],
  ['audit'],
  ['report'],
  ['scale'],
  ['cli', 'web'],
];

const TOP_LEVEL_FILES = { 'index.ts': Infinity };

function tierOf(folder) {
  const i = TIERS.findIndex((t) => t.includes(folder));
  return i;
}

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (name.endsWith('.ts')) yield p;
  }
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every import that breaks the tiers, as "file → target (why)". */
export function backEdges(srcDir) {
  const problems = [];
  for (const file of tsFiles(srcDir)) {
    const rel = relative(srcDir, file).split(sep);
    const fromFolder = rel.length === 1 ? null : rel[0];
    const fromTier = fromFolder === null ? (TOP_LEVEL_FILES[rel[0]] ?? Infinity) : tierOf(fromFolder);
    if (fromFolder !== null && fromTier < 0) {
      problems.push(`${relative(srcDir, file)}: folder '${fromFolder}' has no tier; add it to TIERS in scripts/check-imports.mjs`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = relative(srcDir, resolve(dirname(file), spec)).split(sep);
      if (target[0] === '..') continue;
      const toFolder = target.length === 1 ? null : target[0];
      if (toFolder === fromFolder) continue;
      if (toFolder === null) {
        problems.push(`${relative(srcDir, file)} → ${spec}: only the top-level index may be imported from the top, and nothing imports it`);
        continue;
      }
      const toTier = tierOf(toFolder);
      if (toTier < 0) problems.push(`${relative(srcDir, file)} → ${spec}: folder '${toFolder}' has no tier`);
      else if (toTier > fromTier) problems.push(`${relative(srcDir, file)} → ${spec}: '${fromFolder}' may not import the later stage '${toFolder}'`);
      else if (toTier === fromTier) problems.push(`${relative(srcDir, file)} → ${spec}: siblings '${fromFolder}' and '${toFolder}' may not import each other; move the shared piece to a lower tier`);
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const problems = backEdges(src);
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`${problems.length} import(s) against the pipeline direction`);
    process.exit(1);
  }
  console.log('imports follow the pipeline direction');
}
