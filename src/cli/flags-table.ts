/**
 * README's flag table, generated from the commands themselves (`node dist/src/cli/flags-table.js`
 * prints it; test/cli/readme-flags.test.ts fails when README and --help drift apart). Each flag is
 * listed once, with the commands that take it; where commands word its help differently, each
 * command's wording is kept.
 */
import { invokedDirectly } from '../io/invoked-directly.js';
import type { Command } from 'commander';
import { buildProgram } from './main.js';

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function flagsTable(program: Command = buildProgram()): string {
  const rows = new Map<string, { flags: string; uses: { command: string; help: string }[] }>();
  // Program-wide flags (given before or after the command name), except --version.
  for (const option of program.options) {
    if (option.long === '--version') continue;
    rows.set(option.long ?? option.flags, { flags: option.flags, uses: [{ command: 'every command', help: option.description }] });
  }
  for (const command of program.commands) {
    for (const option of command.options) {
      const name = option.long ?? option.short ?? option.flags;
      const entry = rows.get(name) ?? { flags: option.flags, uses: [] };
      const help = option.defaultValue !== undefined && typeof option.defaultValue !== 'boolean' ? `${option.description} (default ${JSON.stringify(option.defaultValue)})` : option.description;
      entry.uses.push({ command: command.name(), help });
      rows.set(name, entry);
    }
  }
  const lines = ['| flag | commands | meaning |', '|---|---|---|'];
  for (const [, { flags, uses }] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    const same = uses.every((u) => u.help === uses[0].help);
    const meaning = same ? uses[0].help : uses.map((u) => `*${u.command}*: ${u.help}`).join('<br>');
    lines.push(`| \`${escape(flags)}\` | ${uses.map((u) => u.command).join(', ')} | ${escape(meaning)} |`);
  }
  return lines.join('\n');
}


if (invokedDirectly(import.meta.url)) console.log(flagsTable());
