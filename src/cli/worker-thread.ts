/** The script of the --workers pools (scale/pool.ts) of explain and audit: each thread runs jobs with its share of the cores. */
import { servePoolJobs } from '../scale/pool-thread.js';
import { runWorkerJob, type ExplainJob } from './worker-job.js';
import type { AuditJob } from './audit-job.js';
import { installGraphStore } from './graph-cache-option.js';

// The main thread checked the environment already (its --no-cache sets TRUSTSCOPE_NO_CACHE, which threads inherit).
installGraphStore(true);

servePoolJobs<ExplainJob | AuditJob>((job, data) => runWorkerJob(job, data.threads));
