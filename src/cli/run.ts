/**
 * What every writing command shares, declared once: `--out DIR` (always a folder), `--force`,
 * `--seed` (one default everywhere) and the progress switches; and `runInFolder`, which prepares the
 * output folder before any compute, hands it to the command, and writes run.json at the end — or
 * removes what it created when the command fails or is interrupted.
 */
import type { Command } from 'commander';
import { parseInteger, UsageError } from './errors.js';
import { NORMALISATION_HELP, parseNormalisation } from '../data/normalise.js';
import { progressMode, stageProgress, type StageProgress } from './progress.js';
import { prepareOutputFolder, type OutputFolder, type RunManifest } from './output-folder.js';
import { redactCredentials } from '../scale/redis-url.js';
import { activeStageClock, setActiveStageClock, StageClock } from './provenance.js';

/** The seed every command uses unless told otherwise (the demo's published figures are seed 1). */
export const DEFAULT_SEED = 1;

let invocation: readonly string[] = [];

/** main() records the arguments it was called with, for run.json. */
export function recordInvocation(argv: readonly string[]): void {
  // A queue URL may carry a password: run.json never records it.
  invocation = argv.map(redactCredentials);
}

export interface RunFlags {
  out: string;
  force?: boolean;
  /** Absent for a command without random steps (run.json then has no seed). */
  seed?: number;
}

export function addRunOptions(command: Command, defaults: { out: string; seed?: boolean; what: string }): Command {
  command
    .option('--out <dir>', `output folder (${defaults.what}, and run.json: the command, its arguments, input hashes and versions)`, defaults.out)
    .option('--force', "write into a folder that holds another command's results (they are left beside the new ones)");
  if (defaults.seed !== false) command.option('--seed <n>', 'seed of every random step (the same seed gives the same numbers)', parseInteger('--seed', 0), DEFAULT_SEED);
  return command;
}

/**
 * Runs `work` with a prepared output folder named after the command. The folder is checked (and
 * created) first, so an unwritable --out fails before minutes of compute; on success run.json is
 * written with `extras` (the seed, …); on failure nothing the command created is left behind.
 */
export async function runInFolder<T>(commandName: string, flags: RunFlags, work: (folder: OutputFolder) => Promise<T>, extras?: (result: T) => Record<string, unknown>): Promise<{ result: T; manifest: RunManifest }> {
  // The stage clock is fed by the command's progress reporter (progressFor), whatever its mode.
  const stages = new StageClock();
  const options = Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, typeof v === 'string' ? redactCredentials(v) : v]));
  const folder = await prepareOutputFolder(flags.out, commandName, { force: flags.force === true, argv: invocation, options, seed: flags.seed, stages });
  setActiveStageClock(stages);
  try {
    const result = await work(folder);
    const manifest = await folder.finish({ seed: flags.seed, ...(extras?.(result) ?? {}) });
    return { result, manifest };
  } catch (e) {
    await folder.abandon();
    throw e;
  } finally {
    setActiveStageClock(undefined);
  }
}

/**
 * Progress switches of the commands that run long: on a terminal a bar; piped (CI, a scheduler's
 * log) one plain line per stage and at most every 5 s; `--json-progress` one JSON object per line for
 * job queues and the workbench; `--quiet` (or the older `--no-progress`) nothing.
 */
export function addProgressOptions(command: Command): Command {
  return command
    .option('--quiet', 'no progress output on stderr (results and errors still print)')
    .option('--json-progress', 'progress as one JSON object per line on stderr: {"stage", "fraction", "elapsed"}')
    .option('--no-progress', 'the same as --quiet');
}

export function progressFor(opts: { progress?: boolean; quiet?: boolean; jsonProgress?: boolean }): StageProgress {
  const shown = stageProgress({ mode: progressMode({ quiet: opts.quiet === true || opts.progress === false, jsonProgress: opts.jsonProgress === true }) });
  // Stages also go to the run's clock (provenance: wall time per stage), even when nothing is shown.
  const clock = activeStageClock();
  if (!clock) return shown;
  return {
    update(stage, fraction) {
      clock.update(stage);
      shown.update(stage, fraction);
    },
    stop: () => shown.stop(),
  };
}

/** `--normalise`: how the model expects the file's intensities (see data/normalise.ts); recorded in run.json. */
export function addNormaliseOption(command: Command): Command {
  return command.option(
    '--normalise <mode>',
    `intensity scaling the model was trained with, per image: ${NORMALISATION_HELP} (needed for integer data such as uint16 micrographs; default: float data as it is)`,
    (value: string) => {
      try {
        return parseNormalisation(value);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    },
  );
}
