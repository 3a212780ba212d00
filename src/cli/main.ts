#!/usr/bin/env node
/** The `trustscope` command: wires the sub-commands and turns errors into one readable line. */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerAudit } from './audit.js';
import { registerDemo } from './demo.js';
import { registerExplain } from './explain.js';
import { registerEvaluate } from './evaluate.js';
import { registerHallucination } from './hallucination.js';
import { registerLayers } from './layers.js';
import { registerImportance } from './importance.js';
import { registerShapley } from './shapley.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('trustscope')
    .description('tells you whether to trust an image model: explanations, sanity checks and trust diagnostics on ONNX models')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  registerAudit(program);
  registerDemo(program);
  registerExplain(program);
  registerEvaluate(program);
  registerLayers(program);
  registerHallucination(program);
  registerImportance(program);
  registerShapley(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  // Sub-commands do not inherit an exitOverride set after they were added: without this, `explain
  // --help` or a missing option in a sub-command would call process.exit instead of returning.
  for (const command of [program, ...program.commands]) command.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const message = e instanceof Error ? e.message : String(e);
    console.error(`trustscope: ${message.split('\n')[0]}`);
    if (process.env.TRUSTSCOPE_DEBUG) console.error(e);
    return 1;
  }
}

function invokedDirectly(): boolean {
  // npm's bin entry is a symlink, so compare real paths.
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
