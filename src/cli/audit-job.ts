/**
 * One job of a scaled `audit` (--workers or --queue), as a worker runs it: the audit's checks named
 * in the job, on inputs the worker reads itself from the client's files and parsed options (the
 * same loadUserAudit as the plain run), each file checked against the SHA-256 the client recorded.
 * A worker reads and prepares the inputs once (model, data, logits) and keeps them for the next job
 * of the same run. Each check draws from its own seed stream, Random.forKey(seed, check id), so a
 * check's finding does not depend on which worker runs it or on which other checks ran there.
 *
 * What a worker reads: the model and every input file of the audit, by absolute path (a shared
 * folder), nothing else; it writes nothing and returns findings (numbers and figure data).
 */
import { prepareAudit, runPreparedCheck, type PreparedAudit } from '../audit/audit.js';
import { CHECK_IDS, getCheck } from '../audit/checks.js';
import type { OnnxModel } from '../models/model.js';
import { configureRuntime } from '../onnx/runtime.js';
import type { ItemResult } from '../scale/item-rows.js';
import { encodeRecord } from '../scale/record-codec.js';
import { loadUserAudit, type AuditCliOptions } from './audit-input.js';
import { checkedHash, type FileRef } from './worker-job.js';

/** What every job of one scaled audit shares. */
export interface AuditSpec {
  /** The audit's options as the client parsed them, file paths absolute, as JSON. */
  opts: AuditCliOptions;
  /** The model's name in the report (the --model path as the user gave it). */
  name: string;
  /** Every file the audit reads, with its SHA-256 on the client. */
  files: FileRef[];
  seed: number;
  /** Check options given on the command line, by check id. */
  checkOptions: Record<string, Record<string, unknown>>;
  /** The client's check registry: a worker of another trustscope version refuses instead of auditing differently. */
  registry: string;
}

export interface AuditJob {
  kind: 'audit';
  spec: AuditSpec;
  /** Item ids: positions of the checks in the run's list of checks. */
  items: number[];
  /** The check id of each item. */
  checks: string[];
}

/** What a check's item carries back: its finding (figures included) and its seconds. */
export interface CheckRecord {
  finding: unknown;
  seconds: number;
}

interface Prepared {
  key: string;
  model: OnnxModel;
  prepared: PreparedAudit;
}

let loaded: Prepared | undefined;

async function preparedFor(spec: AuditSpec): Promise<PreparedAudit> {
  const key = JSON.stringify(spec);
  if (loaded?.key === key) return loaded.prepared;
  if (loaded) await loaded.model.dispose();
  loaded = undefined;
  if (spec.registry !== CHECK_IDS.join(',')) throw new Error(`this worker's trustscope has other audit checks (${CHECK_IDS.length}) than the client's; run the same trustscope version on both`);
  for (const f of spec.files) await checkedHash(f);
  const read = await loadUserAudit(spec.opts, () => undefined, undefined, () => undefined);
  try {
    const prepared = await prepareAudit({ ...read.input, name: spec.name }, spec.seed);
    loaded = { key, model: read.input.model, prepared };
    return prepared;
  } catch (e) {
    await read.input.model.dispose();
    throw e;
  }
}

/** Runs the job's checks one after the other; a check that throws fails the job (the queue retries it, then reports the check NOT RUN). */
export async function runAuditJob(job: AuditJob, threads?: number): Promise<ItemResult> {
  if (threads !== undefined) configureRuntime({ threads });
  const prepared = await preparedFor(job.spec);
  const records: string[] = [];
  for (const id of job.checks) {
    const t = performance.now();
    const finding = await runPreparedCheck(prepared, getCheck(id), job.spec.checkOptions[id]);
    records.push(encodeRecord({ finding, seconds: (performance.now() - t) / 1000 } satisfies CheckRecord));
  }
  return { ids: [...job.items], rowShape: [1], values: new Float32Array(job.items.length), records, failures: [] };
}
