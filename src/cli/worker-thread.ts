/** The script of explain's --workers pool (scale/pool.ts): each thread runs explain jobs with its share of the cores. */
import { servePoolJobs } from '../scale/pool-thread.js';
import { runExplainJob, type ExplainJob } from './worker-job.js';

servePoolJobs<ExplainJob>((job, data) => runExplainJob(job, data.threads));
