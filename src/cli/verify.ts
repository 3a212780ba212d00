/**
 * `trustscope verify DIR`: re-runs the command recorded in DIR/run.json — same arguments, same
 * options and seed — into a temporary folder, after checking that every input still hashes as
 * recorded (naming the ones that do not), then compares the outputs (verify-compare.ts) and prints
 * "reproduced" or each difference. Exit code 0 when the figures reproduce, 1 when they do not.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseNumber, UsageError } from './errors.js';
import { MANIFEST, type RunManifest } from './output-folder.js';
import { sha256File } from './provenance.js';
import { recordInvocation } from './run.js';
import { compareOutputs, type Comparison } from './verify-compare.js';

/** How many differences are printed (all are counted). */
const SHOWN = 20;

export interface InputCheck {
  path: string;
  problem: 'missing' | 'changed';
}

async function readManifest(dir: string): Promise<RunManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch {
    throw new UsageError(`${dir} holds no ${MANIFEST}: verify re-runs a folder written by a trustscope command (its --out)`);
  }
  let manifest: Partial<RunManifest>;
  try {
    manifest = JSON.parse(text) as Partial<RunManifest>;
  } catch (e) {
    throw new UsageError(`${join(dir, MANIFEST)} is not valid JSON (${(e as Error).message}); it cannot be re-run`);
  }
  if (manifest.tool !== 'trustscope' || typeof manifest.command !== 'string' || !Array.isArray(manifest.arguments) || manifest.arguments.length === 0) {
    throw new UsageError(`${join(dir, MANIFEST)} records no trustscope command with its arguments; it cannot be re-run`);
  }
  if (manifest.command === 'verify') throw new UsageError(`${dir} was written by verify itself; verify the folder it checked`);
  return manifest as RunManifest;
}

/** The folder the recorded run's relative paths are relative to. */
function recordedCwd(manifest: RunManifest): string {
  return typeof manifest.provenance?.cwd === 'string' ? manifest.provenance.cwd : process.cwd();
}

/** Each recorded input that is missing or no longer hashes as recorded. */
export async function checkInputs(manifest: RunManifest): Promise<InputCheck[]> {
  const cwd = recordedCwd(manifest);
  const problems: InputCheck[] = [];
  for (const input of manifest.inputs ?? []) {
    const path = resolve(cwd, input.path);
    if (!existsSync(path)) problems.push({ path: input.path, problem: 'missing' });
    else if ((await sha256File(path)).sha256 !== input.sha256) problems.push({ path: input.path, problem: 'changed' });
  }
  return problems;
}

/**
 * The recorded arguments with --out pointing at `out`, and relative paths made absolute against the
 * recorded working folder (verify may run from elsewhere). A value counts as a path when it names
 * something that exists there.
 */
export function rerunArguments(manifest: RunManifest, out: string): string[] {
  const cwd = recordedCwd(manifest);
  const absolute = (value: string) => (!isAbsolute(value) && existsSync(resolve(cwd, value)) ? resolve(cwd, value) : value);
  const args: string[] = [];
  const given = manifest.arguments;
  for (let i = 0; i < given.length; i++) {
    const a = given[i];
    if (a === '--out') {
      i++;
      continue;
    }
    if (a.startsWith('--out=')) continue;
    const joined = /^(--[^=]+=)(.*)$/.exec(a);
    if (joined) args.push(joined[1] + absolute(joined[2]));
    else args.push(!a.startsWith('-') && i > 0 ? absolute(a) : a);
  }
  return [...args, '--out', out];
}

function report(comparison: Comparison, tolerance: number): string[] {
  const lines = comparison.differences.slice(0, SHOWN).map((d) => `  ${d.file}${d.field ? ` ${d.field}` : ''}: recorded ${d.recorded}, re-run ${d.rerun}`);
  if (comparison.differences.length > SHOWN) lines.push(`  … and ${comparison.differences.length - SHOWN} more`);
  if (comparison.skipped.length) lines.push(`not compared: ${comparison.skipped.join('; ')}`);
  lines.push(`largest numeric gap ${comparison.largestGap.toExponential(2)} (tolerance ${tolerance})`);
  return lines;
}

export function registerVerify(program: Command, freshProgram: () => Command): void {
  program
    .command('verify')
    .description('re-run the command recorded in a results folder (DIR/run.json) with the same options and seed, and say whether its figures reproduce')
    .argument('<dir>', 'a folder a trustscope command wrote (its --out, holding run.json)')
    .option('--tolerance <r>', 'relative gap allowed between a recorded and a re-run number (0: exact)', parseNumber('--tolerance'), 0)
    .option('--keep <dir>', 'write the re-run into this folder and keep it (default: a temporary folder, removed afterwards)')
    .addHelpText(
      'after',
      '\nThe inputs must hash as recorded in run.json; verify names any that are missing or changed and does not re-run.\nJSON outputs are compared field by field (wall times and the provenance are skipped), .npy arrays element by element, other files byte for byte; HTML pages are not compared.\nExit code 0: reproduced; 1: a difference, a changed input or a failed re-run.\n\nExample:\n  trustscope verify trustscope-report',
    )
    .action(async (dir: string, opts: { tolerance: number; keep?: string }) => {
      if (opts.tolerance < 0) throw new UsageError(`--tolerance must be ≥ 0 (got ${opts.tolerance})`);
      const manifest = await readManifest(dir);
      const changed = await checkInputs(manifest);
      if (changed.length) {
        for (const c of changed) console.log(`  ${c.path}: ${c.problem === 'missing' ? 'missing' : 'its SHA-256 differs from the one recorded'}`);
        throw new UsageError(`${changed.length} input(s) differ from the ones ${join(dir, MANIFEST)} records (listed above); restore them to verify the run`);
      }
      const out = opts.keep ?? (await mkdtemp(join(tmpdir(), 'trustscope-verify-')));
      const argv = rerunArguments(manifest, opts.keep ? out : join(out, 'rerun'));
      console.log(`re-running: trustscope ${argv.join(' ')}`);
      try {
        const inner = freshProgram();
        for (const c of [inner, ...inner.commands]) c.exitOverride();
        recordInvocation(argv);
        try {
          await inner.parseAsync(argv, { from: 'user' });
        } catch (e) {
          throw new UsageError(`the re-run failed: ${(e as Error).message.split('\n')[0]}`);
        }
        const rerunDir = opts.keep ? out : join(out, 'rerun');
        const outputs = (manifest.outputs ?? []).filter((o) => typeof o === 'string' && !o.includes('..'));
        const comparison = await compareOutputs(
          outputs,
          async (side, name) => {
            try {
              return await readFile(join(side === 'recorded' ? dir : rerunDir, name));
            } catch {
              return undefined;
            }
          },
          opts.tolerance,
        );
        const lines = report(comparison, opts.tolerance);
        if (comparison.differences.length === 0) {
          const names = comparison.compared.length > 6 ? [...comparison.compared.slice(0, 5), `… ${comparison.compared.length - 5} more`] : comparison.compared;
          console.log(`reproduced: ${comparison.compared.length} output(s) of 'trustscope ${manifest.command}' match (${names.join(', ') || 'none compared'})`);
          console.log(lines.join('\n'));
          return;
        }
        console.log(`NOT reproduced: ${comparison.differences.length} difference(s)`);
        console.log(lines.join('\n'));
        throw new UsageError(`the figures in ${dir} did not reproduce (${comparison.differences.length} difference(s), listed above)`);
      } finally {
        if (!opts.keep) await rm(out, { recursive: true, force: true });
      }
    });
}
