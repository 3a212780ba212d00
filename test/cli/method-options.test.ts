/**
 * The method flags `explain` and `evaluate` share (cli/method-options.ts): built from the methods'
 * declarations, never overlapping a metric's flag (both live on `evaluate`), listed by both commands,
 * and the target parsers.
 */
import { describe, expect, it } from 'vitest';
import { explainers } from '../../src/attribution/registry.js';
import { metrics } from '../../src/evaluate/registry.js';
import { METHOD_FLAGS, parseIndexList, parseTarget } from '../../src/cli/method-options.js';
import { METRIC_FLAGS } from '../../src/cli/evaluate.js';
import { buildProgram } from '../../src/cli/main.js';

describe('method flags shared by explain and evaluate', () => {
  it('no flag is declared by both a method and a metric', () => {
    const methodFlags = new Map<string, string[]>();
    for (const e of explainers.values()) for (const o of e.options) methodFlags.set(o.flag, [...(methodFlags.get(o.flag) ?? []), e.name]);
    const clashes: string[] = [];
    for (const m of metrics.values()) {
      for (const o of m.options) if (methodFlags.has(o.flag)) clashes.push(`${o.flag}: metric ${m.name} and method ${methodFlags.get(o.flag)!.join(', ')}`);
    }
    expect(clashes).toEqual([]);
  });

  it('the merged list holds every declared method flag once', () => {
    const declared = new Set([...explainers.values()].flatMap((e) => e.options.map((o) => o.flag)));
    expect(METHOD_FLAGS.map((m) => m.spec.flag).sort()).toEqual([...declared].sort());
  });

  it('explain and evaluate both offer every method flag; evaluate also every metric flag', () => {
    const program = buildProgram();
    const flagsOf = (name: string) => new Set(program.commands.find((c) => c.name() === name)!.options.map((o) => o.long));
    const explain = flagsOf('explain');
    const evaluate = flagsOf('evaluate');
    for (const m of METHOD_FLAGS) {
      expect(explain.has(m.spec.flag), `explain ${m.spec.flag}`).toBe(true);
      expect(evaluate.has(m.spec.flag), `evaluate ${m.spec.flag}`).toBe(true);
    }
    for (const m of METRIC_FLAGS) expect(evaluate.has(m.spec.flag), `evaluate ${m.spec.flag}`).toBe(true);
    // The old hand-declared evaluate flags that a declaration renamed are gone.
    for (const old of ['--masks', '--patch', '--mask']) expect(evaluate.has(old), old).toBe(false);
    // The options every writing command shares, and the model's batch size.
    for (const flag of ['--out', '--force', '--seed', '--batch-size']) {
      expect(explain.has(flag), `explain ${flag}`).toBe(true);
      expect(evaluate.has(flag), `evaluate ${flag}`).toBe(true);
    }
  });

  it('parses targets and index lists, refusing what is not an index', () => {
    expect(parseTarget(undefined, 3)).toBeUndefined();
    expect(parseTarget('2', 3)).toBe(2);
    expect(parseTarget('0, 1,2', 3)).toEqual([0, 1, 2]);
    expect(() => parseTarget('0,1', 3)).toThrow('--target lists 2 classes for 3 images');
    expect(() => parseTarget('0,', 2)).toThrow(/--target must be a class index/);
    expect(() => parseTarget('-1', 1)).toThrow(/--target must be a class index/);
    expect(parseIndexList('--targets')('3,0')).toEqual([3, 0]);
    expect(() => parseIndexList('--targets')('1,,2')).toThrow(/--targets must be a comma-separated list of indices ≥ 0/);
    expect(() => parseIndexList('--targets')('1.5')).toThrow(/--targets must be/);
  });
});
