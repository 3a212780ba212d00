/**
 * Progress of long steps on stderr, in four modes:
 *  - bar:   a redrawing bar, for a terminal;
 *  - lines: for pipes, CI and job schedulers: one plain line per stage change, else at most one every
 *           5 s (`[  12.3 s] training 45%`), so a 50-second audit shows it is alive without
 *           filling the log with bar frames or ANSI codes;
 *  - json:  one JSON object per line, `{"stage":"training","fraction":0.45,"elapsed":12.3}`, for
 *           the workbench and job queues: at each stage change, when a stage reaches 1, else at most
 *           one a second;
 *  - quiet: nothing.
 * Results go to stdout; progress never does, so piping a command's output stays clean.
 */
import cliProgress from 'cli-progress';

export interface StageProgress {
  update(stage: string, fraction: number): void;
  stop(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'json' | 'quiet';

/** Where progress goes: process.stderr, or a fake in tests. */
export interface ProgressStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
}

export interface ProgressChoice {
  /** --quiet: no progress. */
  quiet?: boolean;
  /** --json-progress: machine-readable lines; wins over quiet (a job queue asking for both wants the JSON only). */
  jsonProgress?: boolean;
  /** Whether the stream is a terminal (default: process.stderr.isTTY). */
  isTTY?: boolean;
}

/** The mode for a command's flags: json if asked, else quiet if asked, else a bar on a terminal and lines elsewhere. */
export function progressMode(choice: ProgressChoice = {}): ProgressMode {
  if (choice.jsonProgress) return 'json';
  if (choice.quiet) return 'quiet';
  return (choice.isTTY ?? process.stderr.isTTY === true) ? 'bar' : 'lines';
}

export interface StageProgressOptions {
  mode?: ProgressMode;
  stream?: ProgressStream;
  /** Milliseconds since some fixed origin; tests pass a fake clock. */
  now?: () => number;
  /** lines mode: least time between two lines of the same stage (default 5000 ms). */
  lineIntervalMs?: number;
  /** json mode: least time between two lines of the same stage (default 1000 ms). */
  jsonIntervalMs?: number;
}

const QUIET: StageProgress = { update() {}, stop() {} };

/**
 * A progress reporter. `stageProgress(true)` / `stageProgress(false)` keep their old meaning (a bar /
 * nothing); no argument picks the mode from the stream (bar on a terminal, lines elsewhere); a mode
 * or an options object chooses explicitly.
 */
export function stageProgress(mode?: boolean | ProgressMode | StageProgressOptions): StageProgress {
  const options: StageProgressOptions = typeof mode === 'object' ? mode : { mode: typeof mode === 'boolean' ? (mode ? 'bar' : 'quiet') : mode };
  const stream = options.stream ?? process.stderr;
  const chosen = options.mode ?? progressMode({ isTTY: stream.isTTY === true });
  const now = options.now ?? (() => performance.now());
  switch (chosen) {
    case 'quiet':
      return QUIET;
    case 'bar':
      return barProgress(stream);
    case 'lines':
      return throttled(now, options.lineIntervalMs ?? 5000, false, (stage, fraction, elapsed) =>
        stream.write(`[${elapsed.toFixed(1).padStart(6)} s] ${stage} ${Math.round(100 * fraction)}%\n`),
      );
    case 'json':
      return throttled(now, options.jsonIntervalMs ?? 1000, true, (stage, fraction, elapsed) =>
        stream.write(JSON.stringify({ stage, fraction: round(fraction, 4), elapsed: round(elapsed, 3) }) + '\n'),
      );
    default:
      throw new Error(`unknown progress mode '${String(chosen)}'; use bar, lines, json or quiet`);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Writes at each stage change, (optionally) when a stage completes, and otherwise at most every `intervalMs`. */
function throttled(now: () => number, intervalMs: number, reportCompletion: boolean, write: (stage: string, fraction: number, elapsedSeconds: number) => void): StageProgress {
  const start = now();
  let current: string | undefined;
  let completedStage: string | undefined;
  let lastWrite = -Infinity;
  return {
    update(stage, fraction) {
      const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
      const t = now();
      const completes = reportCompletion && f >= 1 && completedStage !== stage;
      if (stage !== current || completes || t - lastWrite >= intervalMs) {
        write(stage, f, (t - start) / 1000);
        lastWrite = t;
      }
      current = stage;
      if (f >= 1) completedStage = stage;
    },
    stop() {
      current = undefined;
      completedStage = undefined;
    },
  };
}

function barProgress(stream: ProgressStream): StageProgress {
  const bar = new cliProgress.SingleBar(
    { format: '{stage} [{bar}] {percentage}% | {duration_formatted}', stream: stream as NodeJS.WritableStream, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let current = '';
  return {
    update(stage, fraction) {
      const value = Math.round(fraction * 1000);
      if (stage !== current) {
        if (current) bar.stop();
        current = stage;
        bar.start(1000, value, { stage });
      } else bar.update(value, { stage });
    },
    stop() {
      if (current) bar.stop();
      current = '';
    },
  };
}
