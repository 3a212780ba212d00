/**
 * The Check contract, tested over the registry itself (no hand-kept list of checks): ids, needs and
 * options are well formed; a check whose declared input is missing is NOT RUN with a reason naming
 * that input, without its run() being called; and a check's numbers come from its own seed stream,
 * so adding, skipping or reordering other checks never changes them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { auditModel } from '../../src/audit/audit.js';
import { AUDIT_INPUTS, defineCheck, resolveCheckOptions, type AuditInput, type Check } from '../../src/audit/check.js';
import { CHECKS, CHECK_IDS } from '../../src/audit/checks.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { mergeOptionSpecs, validateOptionValue } from '../../src/options/option-spec.js';

const registry: readonly Check[] = CHECKS;

describe('the check registry', () => {
  it('ids are unique and every check declares its question, needs and limits', () => {
    expect(new Set(CHECK_IDS).size).toBe(registry.length);
    for (const c of registry) {
      expect(c.id, c.id).toMatch(/^[a-z][a-z-]*$/);
      expect(c.title.length, c.id).toBeGreaterThan(0);
      expect(c.limits.length, c.id).toBeGreaterThan(20);
      for (const n of c.needs) {
        expect(AUDIT_INPUTS[n.input], `${c.id}: ${n.input}`).toBeDefined();
        expect(n.flag).toBe(AUDIT_INPUTS[n.input].flag);
        expect(n.flag).toMatch(/^--[a-z-]+$/);
        expect(n.why.length, `${c.id}: ${n.input}`).toBeGreaterThan(0);
      }
    }
  });

  it('every title is a yes/no question whose yes is the problem (a FLAG means yes)', () => {
    for (const c of registry) {
      // A yes/no question starts with an auxiliary verb and ends with '?'.
      expect(c.title, c.id).toMatch(/^(Is|Are|Does|Do|Did|Has|Have|Can)\b[^?]*(\([^)]*\))?\?$/);
      // One polarity: no negation inside the question ("fails its sanity check? → PASS" reads as a double negative).
      expect(c.title, c.id).not.toMatch(/\b(not|no longer|fails?|passes?|calibrated across|trustworthy|reliable|correct)\b/i);
      // Questions, not topics: no "Topic: question" or "Topic (detail)" headings.
      expect(c.title, c.id).not.toMatch(/^[^?]*:/);
    }
  });

  it("the checks' options merge into one flag list without conflict, and every default passes its own validation", () => {
    const merged = mergeOptionSpecs(registry.map((c) => ({ owner: c.id, options: c.options })));
    // A flag shared by two checks (--folds: leakage and its regression form) must be one declaration: same key, kind and default.
    expect(merged.length).toBe(new Set(registry.flatMap((c) => c.options.map((s) => s.flag))).size);
    for (const m of merged) for (const o of m.owners) expect(o.default, `${m.spec.flag} of ${o.owner}`).toEqual(m.spec.default);
    for (const c of registry) {
      for (const s of c.options) {
        expect(s.default, `${c.id} ${s.flag}`).toBeDefined();
        expect(() => validateOptionValue(s, s.default)).not.toThrow();
      }
      const resolved = resolveCheckOptions(c);
      expect(Object.keys(resolved).sort()).toEqual(c.options.map((s) => s.key).sort());
      expect(() => resolveCheckOptions(c, { notAnOption: 1 })).toThrow(/has no option 'notAnOption'/);
    }
  });
});

describe('the audit over the registry', () => {
  const model = new OnnxModel(tinyCnn({ seed: 2 }), { internalBatchSize: 256 });
  const set = generateEmDefects({ count: 60, seed: 5 });
  // No masks, groups, reference or patch: every check with a declared need lacks it.
  const bare: AuditInput = { name: 'bare', model, data: { images: set.images, labels: set.labels } };
  afterAll(async () => {
    await model.dispose();
  });

  it('a check whose declared input is missing is NOT RUN with a reason naming it, and its run() is not called', async () => {
    const missing = (c: Check) => c.needs.find((n) => !AUDIT_INPUTS[n.input].present(bare));
    const needy = registry.filter((c) => missing(c) !== undefined);
    expect(needy.length).toBeGreaterThan(0);
    // Same declarations, but run() throws: reaching it would fail the audit.
    const guarded = needy.map((c) => ({ ...c, run: () => Promise.reject(new Error(`${c.id}: run() called although its input is missing`)) }));
    const audit = await auditModel(bare, { seed: 1, checks: guarded });
    expect(audit.findings.map((f) => f.id)).toEqual(needy.map((c) => c.id));
    for (const [i, f] of audit.findings.entries()) {
      const need = missing(needy[i])!;
      expect(f.verdict, f.id).toBe('not-run');
      expect(f.summary, f.id).toContain(need.flag);
      expect(f.summary, f.id).toContain(need.label);
      expect(f.title).toBe(needy[i].title);
      expect(f.limits).toBe(needy[i].limits);
      expect(f.evidence).toEqual({ missing: need.input });
    }
  });

  it("adding, skipping or reordering checks does not change another check's numbers", async () => {
    // A check that only draws from its stream, standing in for any new check.
    const draws = (id: string) =>
      defineCheck({
        id,
        title: `${id}?`,
        needs: [],
        options: [],
        limits: 'a test check that reports the first draws of its random stream',
        run: async (context) => ({ verdict: 'pass', summary: '', rule: '', evidence: { draws: [context.random.next(), context.random.fork('x').next()] } }),
      });
    const evidenceOf = (a: Awaited<ReturnType<typeof auditModel>>, id: string) => a.findings.find((f) => f.id === id)?.evidence;
    // Two registered checks that run in milliseconds on the logits (the others retrain or explain).
    const cheap = registry.filter((c) => c.id === 'calibration' || c.id === 'conformal');
    expect(cheap.length).toBe(2);
    const alone = await auditModel(bare, { seed: 7, checks: [draws('new-check-b'), ...cheap] });
    const withMore = await auditModel(bare, { seed: 7, checks: [...cheap].reverse().concat([draws('new-check-a'), draws('new-check-b')]) });
    for (const id of ['new-check-b', ...cheap.map((c) => c.id)]) expect(evidenceOf(withMore, id), id).toEqual(evidenceOf(alone, id));
    // The registry itself, with one check skipped: the other's evidence is unchanged.
    for (const c of cheap) {
      const others = CHECK_IDS.filter((id) => id !== c.id && !cheap.some((k) => k.id === id));
      const full = await auditModel(bare, { seed: 7, skip: others });
      const skipped = await auditModel(bare, { seed: 7, skip: [...others, ...cheap.filter((k) => k !== c).map((k) => k.id)] });
      expect(evidenceOf(skipped, c.id), c.id).toEqual(evidenceOf(full, c.id));
      expect(evidenceOf(full, c.id), c.id).toEqual(evidenceOf(alone, c.id));
    }
    // Another seed gives another stream.
    const other = await auditModel(bare, { seed: 8, checks: [draws('new-check-b')] });
    expect(evidenceOf(other, 'new-check-b')).not.toEqual(evidenceOf(alone, 'new-check-b'));
  });

  it('refuses unknown check ids and options instead of ignoring them', async () => {
    await expect(auditModel(bare, { skip: ['nonsense'] })).rejects.toThrow(/no check 'nonsense'/);
    await expect(auditModel(bare, { checkOptions: { nonsense: {} } })).rejects.toThrow(/no check 'nonsense'/);
    const withOption = registry.find((c) => c.options.length > 0)!;
    await expect(auditModel(bare, { checks: [withOption], checkOptions: { [withOption.id]: { notAnOption: 1 } } })).rejects.toThrow(/has no option/);
  });
});
