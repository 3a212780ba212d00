#!/usr/bin/env node
/** The `trustscope` command: wires the sub-commands and turns errors into one readable line. */
import { invokedDirectly } from '../io/invoked-directly.js';
import { Command, CommanderError } from 'commander';
import { registerAudit } from './audit.js';
import { abandonOpenFolders } from './output-folder.js';
import { recordInvocation } from './run.js';
import { redactCredentials } from '../scale/redis-url.js';
import { registerDemo } from './demo.js';
import { registerExplain } from './explain.js';
import { registerEvaluate } from './evaluate.js';
import { registerHallucination } from './hallucination.js';
import { registerLayers } from './layers.js';
import { registerInspect } from './inspect.js';
import { registerConvert } from './convert.js';
import { registerImportance } from './importance.js';
import { registerShapley } from './shapley.js';
import { registerRemedy } from './remedy.js';
import { registerExplore } from './explore.js';
import { registerTrain } from './train.js';
import { registerVerify } from './verify.js';
import { registerWorkbench } from './workbench.js';
import { registerStructureProperty } from './structure-property.js';
import { registerKnobs } from './knobs.js';
import { registerWorker } from './worker.js';
import { addGraphCacheOption } from './graph-cache-option.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('trustscope')
    .description('tells you whether to trust an image model: explanations, sanity checks and trust diagnostics on ONNX models')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  addGraphCacheOption(program);
  registerAudit(program);
  registerDemo(program);
  registerExplain(program);
  registerEvaluate(program);
  registerLayers(program);
  registerInspect(program);
  registerConvert(program);
  registerHallucination(program);
  registerImportance(program);
  registerShapley(program);
  registerRemedy(program);
  registerExplore(program);
  registerTrain(program);
  registerKnobs(program);
  registerStructureProperty(program);
  registerWorkbench(program);
  registerWorker(program);
  // verify re-runs a recorded command on a program of its own.
  registerVerify(program, buildProgram);
  return program;
}

/** The exit code of an interrupted run (128 + SIGINT, the shell's convention). */
export const INTERRUPTED = 130;

async function run(program: Command, argv: readonly string[], interrupted: () => boolean): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    // After Ctrl-C the command's late failure (its writes are refused) is not news: the interruption is reported.
    if (interrupted()) return INTERRUPTED;
    const message = e instanceof Error ? e.message : String(e);
    console.error(`trustscope: ${redactCredentials(message.split('\n')[0])}`);
    if (process.env.TRUSTSCOPE_DEBUG) console.error(e);
    return 1;
  }
}

/**
 * Runs one command. A SIGINT or SIGTERM while it runs abandons the open output folders (what this
 * run wrote is removed; earlier results are left as they were), prints one line and returns 130; the
 * caller exits then (the command's own work may still be pending). The signal listeners live only
 * while main() runs: none is left behind when it returns, however often it is called.
 */
export async function main(argv: readonly string[]): Promise<number> {
  recordInvocation(argv);
  const program = buildProgram();
  // Sub-commands do not inherit an exitOverride set after they were added: without this, `explain
  // --help` or a missing option in a sub-command would call process.exit instead of returning.
  for (const command of [program, ...program.commands]) command.exitOverride();
  let onSignal: () => void = () => undefined;
  let signalled = false;
  const interrupted = new Promise<number>((resolve) => {
    onSignal = () => {
      if (signalled) return;
      signalled = true;
      void abandonOpenFolders()
        .catch(() => [] as string[])
        .then((paths) => {
          console.error(`trustscope: interrupted${paths.length ? `; nothing was written to ${paths.join(', ')}` : ''}`);
          resolve(INTERRUPTED);
        });
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Once a signal came, the interruption's line and code win, whatever the command does meanwhile.
    const finished = run(program, argv, () => signalled).then((code) => (signalled ? interrupted : code));
    return await Promise.race([finished, interrupted]);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}


if (invokedDirectly(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    // Interrupted: the command's pending work must not keep the process alive.
    if (code === INTERRUPTED) process.exit(code);
    process.exitCode = code;
  });
}
