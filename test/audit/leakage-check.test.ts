/** The leakage check per grouping: a leak along the session is found when specimens do not show one; one grouping gives today's finding unchanged. */
import { describe, expect, it } from 'vitest';
import { OnnxModel, type Model } from '../../src/models/model.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/tensor/random.js';
import type { TrainingRecipe } from '../../src/trust/leakage.js';
import { auditModel, type AuditInput } from '../../src/audit/audit.js';
import { CHECK_IDS } from '../../src/audit/checks.js';
import { linearModel } from '../helpers/models.js';

const model = () => new OnnxModel(linearModel([1, 2, 4], Array.from({ length: 16 }, (_, i) => (i === 0 || i === 9 ? 1 : 0)), [0, 0]));

/** 1-nearest-neighbour over the 8 pixels: memorises its train set, as a leaky model does. */
const nearestNeighbour: TrainingRecipe = async (train) => {
  const n = train.images.shape[0];
  const forward = async (x: Tensor) => {
    const rows = x.shape[0];
    const out = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      let [best, bestD] = [0, Infinity];
      for (let i = 0; i < n; i++) {
        let d = 0;
        for (let j = 0; j < 8; j++) d += (x.data[r * 8 + j] - train.images.data[i * 8 + j]) ** 2;
        if (d < bestD) [best, bestD] = [i, d];
      }
      out[r * 2 + train.labels[best]] = 1;
    }
    return tensor([rows, 2], out);
  };
  const unsupported = () => {
    throw new Error('not needed');
  };
  return { inputShape: [1, 2, 4], outputSize: 2, layers: [], parameters: [], forward, vjp: unsupported, layerVjp: unsupported, withParameters: unsupported } as unknown as Model;
};

// 8 sessions, each a tight cluster of 10 images around its own centre with its own label; specimens cut across sessions.
const rng = new Random(3);
const centres = Array.from({ length: 8 }, () => Array.from({ length: 8 }, () => rng.uniform(-5, 5)));
const sessionLabel = [0, 1, 0, 1, 1, 0, 0, 1];
const sessions = Array.from({ length: 80 }, (_, i) => Math.floor(i / 10));
const specimens = Array.from({ length: 80 }, (_, i) => i % 5);
const labels = sessions.map((s) => sessionLabel[s]);
const images = tensor([80, 1, 2, 4], Float32Array.from({ length: 640 }, (_, k) => centres[sessions[Math.floor(k / 8)]][k % 8] + rng.normal(0, 0.01)));

async function leakage(input: Partial<AuditInput>) {
  const a = await auditModel({ name: 'm', model: model(), data: { images, labels, groups: specimens }, recipe: nearestNeighbour, ...input }, { seed: 2, skip: CHECK_IDS.filter((id) => id !== 'leakage'), checkOptions: { leakage: { folds: 4 } } });
  return a.findings[0];
}

describe('leakage check per grouping', () => {
  it('flags a leak along the session that the specimen grouping does not show', async () => {
    const f = await leakage({ groupings: [{ name: 'specimen', ids: specimens }, { name: 'session', ids: sessions }] });
    expect(f.verdict).toBe('flag');
    expect(f.evidence.grouping).toBe('specimen');
    expect(f.evidence.gap as number).toBeLessThan(0.1);
    const [session] = f.evidence.byGrouping as { grouping: string; leakageSuspected: boolean; gap: number; groupKFold: { mean: number } }[];
    expect(session.grouping).toBe('session');
    expect(session.leakageSuspected).toBe(true);
    expect(session.gap).toBeGreaterThan(0.3);
    expect(f.summary).toMatch(/^specimen: No leakage flagged.* session: Leakage suspected/);
    expect(f.headline).toMatch(/sessions it has not seen/);
    expect(f.figures).toHaveLength(2);
  });

  it('one grouping gives exactly the finding of a plain --groups', async () => {
    const plain = await leakage({});
    expect(plain.verdict).toBe('pass');
    expect(await leakage({ groupings: [{ name: 'specimen', ids: specimens }] })).toEqual(plain);
    expect(plain.evidence).not.toHaveProperty('byGrouping');
    expect(plain.figures![0].caption).toBe('held-out accuracy when specimens may be shared (random k-fold) and when they may not (grouped k-fold)');
  });
});
