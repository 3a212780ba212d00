/**
 * `trustscope audit --workers N` and `audit --queue redis://…`: the same audit.json and index.html
 * as the plain run, with the checks run by worker threads or by `trustscope worker` processes. The
 * client reads and checks every input as the plain run does (one-line errors before any job) and
 * computes the shared numbers (accuracy, fit) itself; each check is one job, whose payload is the
 * parsed options with absolute file paths, every input file's SHA-256 and the check id — never the
 * data. Findings are merged in registry order. Splitting by check is exact: a check draws only from
 * Random.forKey(seed, check id), whatever ran before it and wherever it runs.
 *
 * Failures: with --workers a check that throws stops the run (as in the plain run); on the queue a
 * job that still fails after its tries makes that check NOT RUN with the one-line reason, and the
 * rest of the audit completes. A re-run of the same command resumes from the finished jobs.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { assembleAudit, chosenChecks, prepareAudit, type ModelAudit } from '../audit/audit.js';
import { CHECK_IDS, getCheck } from '../audit/checks.js';
import type { Finding } from '../audit/findings.js';
import { compiledScript } from '../scale/compiled-script.js';
import { ItemRows } from '../scale/item-rows.js';
import { runPool } from '../scale/pool.js';
import type { QueuedJob } from '../scale/queue-client.js';
import { decodeRecord } from '../scale/record-codec.js';
import { redactUrl } from '../scale/redis-url.js';
import type { AuditJob, AuditSpec, CheckRecord } from './audit-job.js';
import { withAbsolutePaths, type AuditCliOptions, type LoadedAudit } from './audit-input.js';
import { UsageError } from './errors.js';
import { sha256File } from './provenance.js';
import type { ScaleFlags } from './scale-options.js';
import type { FileRef } from './worker-job.js';

export interface ScaledAuditRun {
  opts: AuditCliOptions & ScaleFlags;
  loaded: LoadedAudit;
  skip: readonly string[];
  checkOptions: Record<string, Record<string, unknown>>;
  progress: { update(stage: string, fraction: number): void };
  /** One line of news (jobs resumed…). */
  onNote(line: string): void;
}

export interface ScaledAudit {
  audit: ModelAudit;
  /** Where the checks ran, for the terminal and run.json. */
  where: string;
  resumed: number;
  duplicatesDropped: number;
}

/** Flags of the plain audit a scaled one does not take (yet): one line, not a silently different run. */
export function refuseUnscaledAuditFlags(opts: AuditCliOptions & ScaleFlags): void {
  if (opts.demo) throw new UsageError('--demo trains its own models in this process; drop --workers/--queue (or audit the demo models it writes, with --model)');
  if (opts.tile) throw new UsageError('--tile does not run with --workers/--queue yet; drop one of them');
}

/** The parsed options as plain JSON (what a job can carry), file paths absolute. */
function jobOptions(opts: AuditCliOptions): AuditCliOptions {
  const { queue: _q, workers: _w, queueTimeout: _t, progress: _p, ...rest } = withAbsolutePaths(opts);
  return JSON.parse(JSON.stringify(rest)) as AuditCliOptions;
}

function notRunFinding(id: string, reason: string): Finding {
  const check = getCheck(id);
  return { id, title: check.title, verdict: 'not-run', summary: `Not run: ${reason}`, rule: '—', evidence: { failed: reason }, limits: check.limits };
}

export async function runScaledAudit(run: ScaledAuditRun): Promise<ScaledAudit> {
  const { opts, loaded } = run;
  const checks = chosenChecks({ skip: run.skip, checkOptions: run.checkOptions });
  // The shared numbers (and the input checks) here, once: the header of the report.
  const prepared = await prepareAudit(loaded.input, opts.seed);
  const files: FileRef[] = [];
  for (const path of [...new Set(loaded.files.map((f) => resolve(f)))]) files.push({ path, sha256: (await sha256File(path)).sha256 });
  const spec: AuditSpec = { opts: jobOptions(opts), name: loaded.input.name, files, seed: opts.seed, checkOptions: run.checkOptions, registry: CHECK_IDS.join(',') };
  const jobs: AuditJob[] = checks.map((c, k) => ({ kind: 'audit', spec, items: [k], checks: [c.id] }));
  const rows = new ItemRows(checks.length);
  let where: string;
  let resumed = 0;
  if (opts.queue !== undefined) {
    // The run's identity: the same command on the same files gives the same job ids, so a re-run resumes.
    const runKey = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
    const queued: QueuedJob<AuditJob>[] = jobs.map((data) => ({ id: `audit-${runKey}-${data.checks[0]}`, data, items: data.items }));
    const { runOnQueue } = await import('../scale/queue-client.js');
    const summary = await runOnQueue({
      url: opts.queue,
      jobs: queued,
      rows,
      timeoutSeconds: opts.queueTimeout,
      onProgress: (done, total) => run.progress.update(`auditing on the queue (${jobs.length} checks)`, done / total),
      onNote: run.onNote,
    });
    resumed = summary.resumed;
    where = `${jobs.length} job(s) on ${redactUrl(opts.queue)}`;
  } else {
    const workers = opts.workers ?? 1;
    const budget = await runPool({
      script: compiledScript(import.meta.url, 'worker-thread'),
      workers,
      workerData: {},
      jobs,
      onResult: (result) => {
        rows.add(result);
        run.progress.update(`auditing on ${workers} worker thread(s)`, rows.finished / checks.length);
      },
    });
    where = `${budget.workers} worker thread(s) × ${budget.threadsPerWorker} ONNX Runtime thread(s)${budget.oversubscribed ? ` (more than the ${budget.cores} cores)` : ''}`;
  }
  const failed = new Map(rows.failed().map((f) => [f.id, f.message]));
  const missing = rows.missing();
  if (missing.length > 0) throw new Error(`${missing.length} check(s) came back without a result (first: ${checks[missing[0]].id}); nothing was written — run the same command again`);
  const findings: Finding[] = [];
  const timings: Record<string, number> = {};
  checks.forEach((c, k) => {
    const reason = failed.get(k);
    if (reason !== undefined) {
      run.onNote(`warning: check ${c.id} not run: ${reason}`);
      return findings.push(notRunFinding(c.id, reason));
    }
    const record = decodeRecord(rows.record(k)!) as CheckRecord;
    findings.push(record.finding as Finding);
    timings[c.id] = record.seconds;
  });
  return { audit: assembleAudit(prepared, findings, timings), where, resumed, duplicatesDropped: rows.duplicates };
}
