/** The confounder-probe check: features that carry the session are warned about, features that do not pass, every grouping probed. */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/tensor/random.js';
import { auditModel, type AuditInput } from '../../src/audit/audit.js';
import { CHECK_IDS } from '../../src/audit/checks.js';
import { linearModel } from '../helpers/models.js';

// A 1×2×4 image; logits = pixels 0 and 1. The penultimate features (the Gemm's input) are all 8 pixels.
const weights = [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
const model = () => new OnnxModel(linearModel([1, 2, 4], weights, [0, 0]));

const n = 160;
const labels = Array.from({ length: n }, (_, i) => i % 2);
const sessions = Array.from({ length: n }, (_, i) => Math.floor(i / 2) % 4);
const specimens = Array.from({ length: n }, (_, i) => Math.floor(i / 4) % 5);

/** The class is pixel 0 vs 1; pixels 2..7 are seeded noise, with `sessionOffset` × session added to pixel 5. */
function images(sessionOffset: number, seed: number) {
  const rng = new Random(seed);
  const data = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) {
    data[i * 8 + labels[i]] = 2;
    for (let j = 2; j < 8; j++) data[i * 8 + j] = rng.normal() + (j === 5 ? sessionOffset * sessions[i] : 0);
  }
  return tensor([n, 1, 2, 4], data);
}

async function probe(input: Omit<AuditInput, 'name' | 'model'>) {
  const a = await auditModel({ name: 'm', model: model(), ...input }, { seed: 4, skip: CHECK_IDS.filter((id) => id !== 'confounder-probe') });
  return a.findings[0];
}

describe('confounder-probe check', () => {
  it('flags features that encode a session offset, naming the session and not the specimen', async () => {
    const f = await probe({ data: { images: images(1.5, 1), labels, groups: specimens }, groupings: [{ name: 'specimen', ids: specimens }, { name: 'session', ids: sessions }] });
    expect(f.id).toBe('confounder-probe');
    expect(f.verdict).toBe('warn');
    const rows = f.evidence.groupings as { grouping: string; predictsGroup: boolean; balancedAccuracy: number; chance: number; null: number[] }[];
    expect(rows.map((r) => [r.grouping, r.predictsGroup])).toEqual([['specimen', false], ['session', true]]);
    expect(rows[1].chance).toBe(0.25);
    expect(rows[1].null).toHaveLength(20);
    expect(f.summary).toMatch(/predict the session far above chance/);
    expect(f.figures).toHaveLength(2);
  });

  it('passes features independent of the groups', async () => {
    const f = await probe({ data: { images: images(0, 1), labels, groups: sessions } });
    expect(f.verdict).toBe('pass');
    const rows = f.evidence.groupings as { grouping: string }[];
    expect(rows.map((r) => r.grouping)).toEqual(['specimen']);
  });

  it('is NOT RUN without groups, naming the flag', async () => {
    const f = await probe({ data: { images: images(0, 1), labels } });
    expect(f.verdict).toBe('not-run');
    expect(f.summary).toMatch(/--groups/);
  });

  it('refuses a grouping of the wrong length with the fix', async () => {
    await expect(probe({ data: { images: images(0, 1), labels }, groupings: [{ name: 'session', ids: sessions.slice(1) }] })).rejects.toThrow(/one session id per image/);
  });
});
