/**
 * Progress bars on stderr for long steps. On a terminal they redraw in place; elsewhere (CI, pipes)
 * they stay silent so logs hold results, not bar frames.
 */
import cliProgress from 'cli-progress';

export interface StageProgress {
  update(stage: string, fraction: number): void;
  stop(): void;
}

export function stageProgress(enabled = process.stderr.isTTY === true): StageProgress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: '{stage} [{bar}] {percentage}% | {duration_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
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
