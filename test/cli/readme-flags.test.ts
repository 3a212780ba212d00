/** README's flag table is the commands' own: regenerate it with `node dist/src/cli/flags-table.js`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsTable } from '../../src/cli/flags-table.js';
import { buildProgram } from '../../src/cli/main.js';

describe('README flags table', () => {
  it('equals the table generated from every command', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /<!-- flags:start -->\n([\s\S]*?)\n<!-- flags:end -->/.exec(readme);
    expect(block, 'README.md has no <!-- flags:start --> … <!-- flags:end --> block').not.toBeNull();
    expect(block![1].trim()).toBe(flagsTable().trim());
  });

  it('lists every flag of every command exactly once', () => {
    const table = flagsTable();
    for (const command of buildProgram().commands) {
      for (const option of command.options) {
        const name = option.long ?? option.flags;
        const rows = table.split('\n').filter((l) => l.startsWith(`| \`${name} `) || l.startsWith(`| \`${name}\``));
        expect(rows.length, `${command.name()} ${option.flags}`).toBe(1);
        expect(rows[0]).toContain(command.name());
      }
    }
  });
});
