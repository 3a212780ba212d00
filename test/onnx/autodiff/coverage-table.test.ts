/** README's op-coverage table is the registry's own: regenerate it with `node dist/src/onnx/autodiff/coverage-table.js`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OP_NOTES, opCoverageTable } from '../../../src/onnx/autodiff/coverage-table.js';
import { ruleFamilies, vjpRules } from '../../../src/onnx/autodiff/rules.js';

describe('README op-coverage table', () => {
  it('equals the table generated from the rule registry', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const block = /<!-- ops:start -->\n([\s\S]*?)\n<!-- ops:end -->/.exec(readme);
    expect(block, 'README.md has no <!-- ops:start --> … <!-- ops:end --> block').not.toBeNull();
    expect(block![1].trim()).toBe(opCoverageTable().trim());
  });

  it('lists every registered op exactly once, each in one family, and notes only registered ops', () => {
    const table = opCoverageTable();
    for (const op of vjpRules.keys()) expect(table.split('\n').filter((l) => l.startsWith(`| ${op} |`)), op).toHaveLength(1);
    const all = ruleFamilies.flatMap((f) => Object.keys(f.rules));
    expect(new Set(all).size).toBe(all.length);
    for (const op of Object.keys(OP_NOTES)) expect(vjpRules.has(op), op).toBe(true);
  });
});
