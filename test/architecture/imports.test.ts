/** DESIGN.md's pipeline direction, enforced: no import from a later stage into an earlier one. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { backEdges } from '../../scripts/check-imports.mjs';

describe('import direction', () => {
  it('src/ has no back-edge', () => {
    expect((backEdges as (dir: string) => string[])(join(__dirname, '..', '..', 'src'))).toEqual([]);
  });

  it('catches a later stage imported by an earlier one, a sibling import and an unknown folder', () => {
    const src = mkdtempSync(join(tmpdir(), 'ts-imports-'));
    for (const d of ['audit', 'report', 'tabular', 'attribution', 'mystery']) mkdirSync(join(src, d));
    writeFileSync(join(src, 'report', 'page.ts'), "import type { Finding } from '../audit/findings.js';\n");
    writeFileSync(join(src, 'audit', 'findings.ts'), "import { draw } from '../report/page.js';\nexport type Finding = 1;\n");
    writeFileSync(join(src, 'tabular', 'a.ts'), "import { solve } from '../attribution/b.js';\n");
    writeFileSync(join(src, 'attribution', 'b.ts'), 'export const solve = 1;\n');
    writeFileSync(join(src, 'mystery', 'c.ts'), 'export const c = 1;\n');
    const problems = (backEdges as (dir: string) => string[])(src);
    expect(problems.some((p) => p.startsWith('audit/findings.ts') && p.includes("may not import the later stage 'report'"))).toBe(true);
    expect(problems.some((p) => p.startsWith('tabular/a.ts') && p.includes('siblings'))).toBe(true);
    expect(problems.some((p) => p.includes("folder 'mystery' has no tier"))).toBe(true);
    expect(problems.some((p) => p.startsWith('report/page.ts'))).toBe(false);
  });
});
