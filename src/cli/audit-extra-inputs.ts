/**
 * The audit's inputs beyond images, labels and masks: when each image was acquired
 * (`--acquisition-time T.npy`, or a manifest `time`/`acquired` column) for the drift check; the
 * user's own per-image descriptor table (`--descriptors table.csv`) and the descriptors that must not
 * drive the predictions (`--nuisance a,b`) for the descriptor checks. Read and checked here, before
 * any compute, so a wrong name or row count fails in milliseconds with the fix.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AUDIT_INPUTS, type AcquisitionTime, type DescriptorTable } from '../audit/check.js';
import { DESCRIPTOR_NAMES } from '../tabular/descriptors.js';
import { parseCsv } from '../data/csv.js';
import { fsErrorReason } from '../io/atomic-write.js';
import { checkFinite, readValues } from './inputs.js';
import { UsageError } from './errors.js';

export interface ExtraAuditFlags {
  acquisitionTime?: string;
  descriptors?: string;
  nuisance?: string[];
}

export interface ExtraAuditInputs {
  acquisitionTime?: AcquisitionTime;
  descriptorTable?: DescriptorTable;
  nuisance?: readonly string[];
  /** Files read, for run.json. */
  files: string[];
}

function parseNames(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((s) => s === '')) throw new UsageError(`--nuisance takes comma-separated descriptor names, e.g. corner_brightness,stage_temperature (got '${value}')`);
  return names;
}

export function addExtraAuditOptions(command: Command): Command {
  return command
    .option(`${AUDIT_INPUTS.acquisitionTime.flag} <T.npy>`, 'when each image was acquired (N,), any increasing unit or the acquisition order (a manifest takes a time or acquired column instead): enables the drift check')
    .option('--descriptors <table.csv>', 'your own descriptors: a CSV with a header of descriptor names and one numeric row per audited image (in order), used by the descriptor checks instead of the built-in EM descriptors')
    .option('--nuisance <names>', `descriptors that must not drive the predictions, comma-separated (default: corner_brightness when present); names from --descriptors or the built-in ${DESCRIPTOR_NAMES.join(', ')}`, parseNames);
}

/** A CSV of numeric columns with a header of names: one row per image. */
export async function readDescriptorTable(path: string): Promise<DescriptorTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${fsErrorReason(e)}`);
  }
  let rows;
  try {
    rows = parseCsv(text, path);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (rows.length < 2) throw new UsageError(`${path} needs a header line naming the descriptors and one row per audited image`);
  const [header, ...body] = rows;
  const names = header.cells.map((c) => c.trim());
  const blank = names.findIndex((n) => n === '');
  if (blank >= 0) throw new UsageError(`${path}:${header.line}: column ${blank + 1} has no name; name every descriptor in the header`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UsageError(`${path}:${header.line}: descriptor '${twice}' appears twice`);
  const values = new Float64Array(body.length * names.length);
  body.forEach((row, r) => {
    if (row.cells.length !== names.length) throw new UsageError(`${path}:${row.line}: ${row.cells.length} cells but the header names ${names.length} descriptors`);
    row.cells.forEach((cell, j) => {
      const v = cell.trim() === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) throw new UsageError(`${path}:${row.line}: column '${names[j]}': '${cell}' is not a finite number; descriptors must be numeric`);
      values[r * names.length + j] = v;
    });
  });
  return { names, values, source: path };
}

/** Reads and checks the extra inputs for `n` audited images; `manifestTime` is a manifest's time column, if any. */
export async function readExtraAuditInputs(flags: ExtraAuditFlags, n: number, manifestTime?: AcquisitionTime): Promise<ExtraAuditInputs> {
  const files: string[] = [];
  let acquisitionTime = manifestTime;
  if (flags.acquisitionTime !== undefined) {
    if (manifestTime) throw new UsageError(`the manifest has a time column and ${AUDIT_INPUTS.acquisitionTime.flag} was given too; give the acquisition times one way`);
    const t = await readValues(flags.acquisitionTime);
    if (!((t.shape.length === 1 && t.shape[0] === n) || (t.shape.length === 2 && t.shape[0] === n && t.shape[1] === 1))) {
      throw new UsageError(`${flags.acquisitionTime} has shape (${t.shape.join(', ')}); ${AUDIT_INPUTS.acquisitionTime.flag} needs (${n},): one acquisition time per image`);
    }
    checkFinite(t, flags.acquisitionTime);
    acquisitionTime = { values: Array.from(t.data), unit: 'acquisition time' };
    files.push(flags.acquisitionTime);
  }
  let descriptorTable: DescriptorTable | undefined;
  if (flags.descriptors !== undefined) {
    descriptorTable = await readDescriptorTable(flags.descriptors);
    const rows = descriptorTable.values.length / descriptorTable.names.length;
    if (rows !== n) throw new UsageError(`${flags.descriptors} has ${rows} rows but ${n} images are audited; give one row per image, in the same order`);
    files.push(flags.descriptors);
  }
  const available: readonly string[] = descriptorTable?.names ?? DESCRIPTOR_NAMES;
  const unknown = flags.nuisance?.filter((name) => !available.includes(name)) ?? [];
  if (unknown.length) throw new UsageError(`--nuisance names ${unknown.join(', ')}, which ${descriptorTable ? flags.descriptors : 'the built-in descriptors'} do${descriptorTable ? 'es' : ''} not hold; choose from ${available.join(', ')}`);
  return { ...(acquisitionTime ? { acquisitionTime } : {}), ...(descriptorTable ? { descriptorTable } : {}), ...(flags.nuisance ? { nuisance: flags.nuisance } : {}), files };
}
