/**
 * Specimen-tied EM sets for leakage studies. Tiles come from a few specimens; every specimen carries
 * a fingerprint (its own hot pixels, plus its own brightness and texture) and, in the *tied* set,
 * one label for all its tiles (half the specimens come from a defective batch). A model can then
 * score well by recognising the specimen instead of the faint defect — which a random k-fold split
 * rewards (the same specimen sits in train and test) and a grouped split exposes. The *untied*
 * counterpart has the same specimens and fingerprints but labels drawn per tile, so recognising the
 * specimen is worth nothing and both splits should agree.
 */
import { Random } from '../../tensor/random.js';
import type { EmDefectOptions, EmDefectSet } from './em-defects.js';
import { generateEmDefects } from './em-defects.js';

export interface SpecimenSetOptions {
  count: number;
  seed: number;
  /** true: the label is a property of the specimen; false: drawn per tile (the clean counterpart). */
  tiedLabels: boolean;
  specimens?: number;
  /** Hot pixels per specimen (the identity fingerprint). */
  hotPixels?: number;
  size?: number;
  /** Defect contrast range (added intensity). */
  contrast?: readonly [number, number];
  radius?: readonly [number, number];
  noise?: number;
}

/**
 * Defaults measured with the tiny CNN (3 folds, 480 tiles, 20 epochs; see test/trust/leakage.test.ts):
 * the tied set leaks (grouped accuracy 0.2–0.4 below random k-fold) while the untied one does not
 * (gap within ±0.05). Fainter defects make the untied set's gap grow too, because a model that has
 * seen a specimen's background and hot pixels finds faint defects on it more easily.
 */
export const SPECIMEN_SET_DEFAULTS = {
  specimens: 24,
  hotPixels: 12,
  size: 16,
  contrast: [0.15, 0.3] as const,
  radius: [2, 4] as const,
  noise: 0.04,
};

export interface SpecimenSet extends EmDefectSet {
  /** Per specimen: its label in a tied set (0 or 1), or null when labels are drawn per tile. */
  readonly specimenLabels: readonly (0 | 1 | null)[];
}

export function generateSpecimenSet(options: SpecimenSetOptions): SpecimenSet {
  const { count, seed, tiedLabels } = options;
  const { specimens, hotPixels, size, contrast, radius, noise } = { ...SPECIMEN_SET_DEFAULTS, ...options };
  if (!Number.isInteger(specimens) || specimens < 2) throw new Error(`specimens must be an integer ≥ 2 (got ${specimens})`);
  // Exactly half the specimens (rounded down) are defective, picked by a seeded permutation.
  const defective = new Set(new Random(seed ^ 0x5bec1).permutation(specimens).slice(0, Math.floor(specimens / 2)));
  const specimenLabels = Array.from({ length: specimens }, (_, s) => (tiedLabels ? (defective.has(s) ? 1 : 0) : null));
  const generatorOptions: EmDefectOptions = {
    count,
    seed,
    size,
    specimens,
    hotPixels,
    contrast,
    radius,
    noise,
    specimenDefectRates: tiedLabels ? specimenLabels.map((l) => l!) : undefined,
  };
  return { ...generateEmDefects(generatorOptions), specimenLabels };
}
