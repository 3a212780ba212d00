/** Progress modes on a fake stream with a fake clock: what a pipe, a job queue and a terminal receive. */
import { describe, expect, it } from 'vitest';
import { progressMode, stageProgress, type ProgressStream } from '../../src/cli/progress.js';

function fakeStream(isTTY = false): ProgressStream & { text: () => string; lines: () => string[] } {
  const chunks: string[] = [];
  return {
    isTTY,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter((l) => l.length > 0),
  };
}

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

// Any ESC (colour, cursor movement) or carriage return would garble a log file.
const CONTROL = /[\u001b\r]/;

describe('progressMode', () => {
  it('json when asked (even with quiet), else quiet when asked, else bar on a terminal and lines elsewhere', () => {
    expect(progressMode({ jsonProgress: true, quiet: true, isTTY: true })).toBe('json');
    expect(progressMode({ quiet: true, isTTY: true })).toBe('quiet');
    expect(progressMode({ isTTY: true })).toBe('bar');
    expect(progressMode({ isTTY: false })).toBe('lines');
    expect(progressMode({ quiet: false, jsonProgress: false, isTTY: false })).toBe('lines');
  });
});

describe('stageProgress lines mode', () => {
  it('writes one plain line at each stage change and at most one every 5 s within a stage', () => {
    const stream = fakeStream();
    const clock = fakeClock();
    const p = stageProgress({ mode: 'lines', stream, now: clock.now });
    p.update('training', 0);
    for (let i = 1; i <= 100; i++) {
      clock.advance(100); // 10 s in all, 100 updates
      p.update('training', i / 100);
    }
    clock.advance(2300);
    p.update('scoring', 0.5);
    p.stop();
    expect(stream.lines()).toEqual(['[   0.0 s] training 0%', '[   5.0 s] training 50%', '[  10.0 s] training 100%', '[  12.3 s] scoring 50%']);
    expect(stream.text()).not.toMatch(CONTROL);
  });

  it('is the default on a stream that is not a terminal', () => {
    const stream = fakeStream(false);
    const p = stageProgress({ stream, now: fakeClock().now });
    p.update('fitting', 0.25);
    expect(stream.lines()).toEqual(['[   0.0 s] fitting 25%']);
  });

  it('clamps fractions outside [0, 1] and treats a non-finite fraction as 0', () => {
    const stream = fakeStream();
    const clock = fakeClock();
    const p = stageProgress({ mode: 'lines', stream, now: clock.now });
    p.update('a', 1.7);
    p.update('b', -1);
    p.update('c', NaN);
    expect(stream.lines()).toEqual(['[   0.0 s] a 100%', '[   0.0 s] b 0%', '[   0.0 s] c 0%']);
  });
});

describe('stageProgress json mode', () => {
  it('one JSON object per line: stage changes, completion, and at most one a second in between', () => {
    const stream = fakeStream();
    const clock = fakeClock();
    const p = stageProgress({ mode: 'json', stream, now: clock.now });
    p.update('training', 0);
    clock.advance(400);
    p.update('training', 0.2); // throttled
    clock.advance(700);
    p.update('training', 0.5); // 1.1 s after the last line
    clock.advance(100);
    p.update('training', 1); // completion is always reported
    p.update('training', 1); // but only once
    clock.advance(50);
    p.update('ood', 1 / 3);
    p.stop();
    const objects = stream.lines().map((l) => JSON.parse(l));
    expect(objects).toEqual([
      { stage: 'training', fraction: 0, elapsed: 0 },
      { stage: 'training', fraction: 0.5, elapsed: 1.1 },
      { stage: 'training', fraction: 1, elapsed: 1.2 },
      { stage: 'ood', fraction: 0.3333, elapsed: 1.25 },
    ]);
    expect(stream.text()).not.toMatch(CONTROL);
  });
});

describe('stageProgress quiet and the old boolean form', () => {
  it('quiet and stageProgress(false) write nothing', () => {
    for (const arg of ['quiet', false] as const) {
      const stream = fakeStream();
      const p = arg === false ? stageProgress(false) : stageProgress({ mode: arg, stream });
      p.update('training', 0.5);
      p.stop();
      expect(stream.text()).toBe('');
    }
  });

  it('stageProgress(true) is still the bar (old callers pass opts.progress && isTTY)', () => {
    const stream = fakeStream(true);
    // The boolean form writes to process.stderr; check the bar through the explicit form on a fake terminal.
    const p = stageProgress({ mode: 'bar', stream });
    p.update('training', 0.5);
    p.stop();
    expect(stream.text()).toContain('training');
    expect(typeof stageProgress(true).update).toBe('function');
  });

  it('an unknown mode is named', () => {
    expect(() => stageProgress({ mode: 'loud' as never })).toThrow(/unknown progress mode 'loud'/);
  });
});
