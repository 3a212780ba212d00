/**
 * The descriptor checks on a user's own descriptor table with user-named nuisances: a named
 * nuisance that drives the predictions flags, one that does not passes; a duplicated pair of
 * descriptors splits its share (the descriptor check only warns) and the correlated-descriptors check
 * finds the pair and gives it its full grouped share (flag); independent descriptors pass. The model's
 * logits are the images' two pixels, so the table can carry exactly what drives its answers.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/tensor/random.js';
import { auditModel } from '../../src/audit/audit.js';
import { CHECK_IDS } from '../../src/audit/checks.js';
import type { AuditInput } from '../../src/audit/check.js';
import { linearModel } from '../helpers/models.js';

const model = () => new OnnxModel(linearModel([1, 1, 2], [1, 0, 0, 1], [0, 0]));

/** 300 images whose class-1 margin is `drive`; descriptors: stage_temperature = the margin (+ noise), defect_size and dose independent, optionally two near-copies of stage_temperature. */
function scenario(withCopy: boolean, nuisance: string[], doseFollowsSize = false): AuditInput {
  const n = 300;
  const rng = new Random(3);
  const pixels = new Float32Array(n * 2);
  const names = ['stage_temperature', 'defect_size', 'dose', ...(withCopy ? ['stage_temperature_log', 'chamber_pressure'] : [])];
  const values = new Float64Array(n * names.length);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const drive = rng.normal();
    pixels[i * 2 + 1] = drive;
    labels.push(drive > 0 ? 1 : 0);
    const size = rng.normal();
    const row = [drive + 0.05 * rng.normal(), size, doseFollowsSize ? size + 0.1 * rng.normal() : rng.normal(), ...(withCopy ? [2 * drive + 1 + 0.05 * rng.normal(), -0.5 * drive + 0.03 * rng.normal()] : [])];
    values.set(row, i * names.length);
  }
  return { name: 'm', model: model(), data: { images: tensor([n, 1, 1, 2], pixels), labels }, descriptorTable: { names, values, source: 'table.csv' }, nuisance };
}

async function findings(input: AuditInput) {
  const a = await auditModel(input, { seed: 1, skip: CHECK_IDS.filter((id) => id !== 'descriptors' && id !== 'correlated-descriptors') });
  return Object.fromEntries(a.findings.map((f) => [f.id, f]));
}

describe('descriptor checks on a user table', () => {
  it('flag a named nuisance that drives the predictions, and pass one that does not', async () => {
    const driving = await findings(scenario(false, ['stage_temperature']));
    expect(driving.descriptors.verdict).toBe('flag');
    expect(driving.descriptors.headline).toMatch(/^stage_temperature \(no physics\) carries \d+%/);
    expect(driving.descriptors.summary).toMatch(/Descriptors: the descriptor table table\.csv/);
    expect(driving['correlated-descriptors'].verdict).toBe('pass');
    const bystander = await findings(scenario(false, ['dose']));
    expect(bystander.descriptors.verdict).toBe('pass');
    expect(bystander.descriptors.evidence.nuisance).toEqual(['dose']);
  });

  it('a nuisance with near-copies splits its share; the correlated-descriptors check groups them and flags the group', async () => {
    const f = await findings(scenario(true, ['stage_temperature']));
    const shares = f.descriptors.evidence.shapleyShare as number[];
    // One by one the three split the credit: none reaches the flag share.
    expect(Math.max(shares[0], shares[3], shares[4])).toBeLessThan(0.5);
    expect(f.descriptors.verdict).not.toBe('flag');
    const c = f['correlated-descriptors'];
    expect(c.verdict).toBe('flag');
    const groups = c.evidence.groups as { group: string; members: string[]; shapleyShare: number; importance: number }[];
    const group = groups.find((g) => g.members.length > 1)!;
    expect(group.members).toEqual(['stage_temperature', 'stage_temperature_log', 'chamber_pressure']);
    expect(group.group).toBe('stage_temperature+stage_temperature_log+chamber_pressure');
    expect(group.shapleyShare).toBeGreaterThan(0.8);
    expect(group.shapleyShare).toBeGreaterThan(shares[0] + shares[3] + shares[4] - 0.1);
    expect((c.evidence.pairs as { rho: number }[])[0].rho).toBeGreaterThan(0.99);
    expect(c.figures!.map((g) => g.kind)).toEqual(['bars', 'bars', 'table']);
  });

  it('warns when a correlated group that matters holds no nuisance, and passes a correlated pair that carries little', async () => {
    const physics = await findings(scenario(true, ['dose']));
    expect(physics['correlated-descriptors'].verdict).toBe('warn');
    expect(physics['correlated-descriptors'].headline).toMatch(/stage_temperature\+stage_temperature_log\+chamber_pressure move together/);
    const idle = await findings(scenario(false, ['stage_temperature'], true));
    const c = idle['correlated-descriptors'];
    expect(c.verdict).toBe('pass');
    expect((c.evidence.pairs as { a: string; b: string }[]).map((p) => [p.a, p.b])).toEqual([['defect_size', 'dose']]);
    expect(c.summary).toMatch(/carry less than 20%/);
  });

  it('refuses a nuisance name the table does not hold, naming its descriptors; a table of the wrong length is NOT RUN', async () => {
    const f = await findings(scenario(false, ['stage_temp']));
    expect(f.descriptors.verdict).toBe('not-run');
    expect(f.descriptors.summary).toMatch(/--nuisance names stage_temp, .*its descriptors: stage_temperature, defect_size, dose/);
    const input = scenario(false, ['dose']);
    const short = { ...input, descriptorTable: { ...input.descriptorTable!, values: input.descriptorTable!.values.slice(0, 30) } };
    expect((await findings(short)).descriptors.summary).toMatch(/has 10 rows but 300 images are audited/);
  });
});
