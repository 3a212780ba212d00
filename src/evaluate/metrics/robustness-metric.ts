/**
 * How much does the map move when the input barely does? Max- and average sensitivity and the local
 * Lipschitz estimate (robustness.ts), then the smallest FGSM/PGD ε that flips the prediction and how
 * the map changes under it (adversarial.ts). Describes, does not judge.
 */
import { shapeToString } from '../../tensor/tensor.js';
import type { Metric } from '../metric.js';
import { finiteMean, fmt } from '../metric.js';
import type { RobustnessResult } from '../robustness.js';
import { explanationRobustness } from '../robustness.js';
import type { AdversarialFlipResult, AttackKind } from '../adversarial.js';
import { adversarialFlip } from '../adversarial.js';

const DISTRIBUTIONS = ['uniform', 'gaussian'] as const;
const ATTACKS: readonly AttackKind[] = ['fgsm', 'pgd'];

export interface RobustnessMetricOptions {
  /** L∞ radius of the uniform perturbations, or the Gaussian std, in input units (default 0.2). */
  radius?: number;
  /** Perturbations per image (default 20). */
  samples?: number;
  distribution?: (typeof DISTRIBUTIONS)[number];
  /** Adversarial flip: FGSM or PGD (default 'fgsm'). */
  attack?: AttackKind;
  /** PGD iterations (default 10). */
  attackSteps?: number;
  /** Largest ε searched (default a quarter of the inputs' value range). */
  maxEpsilon?: number;
  /** ε grid points in (0, maxEpsilon] (default 16). */
  grid?: number;
  /** Bisection steps inside the first flipping interval (default 10). */
  refine?: number;
  /** Keep perturbed and adversarial inputs in [low, high] (library only; default no clipping). */
  clip?: readonly [number, number];
}

export interface RobustnessMetricResult {
  robustness: RobustnessResult;
  /** Absent when the method's maps do not have the inputs' shape (Grad-CAM without upsampling). */
  adversarial?: AdversarialFlipResult;
}

export const robustnessMetric: Metric<'robustness', RobustnessMetricOptions, RobustnessMetricResult> = {
  name: 'robustness',
  description: 'max- and average sensitivity, local Lipschitz estimate; smallest FGSM/PGD ε that flips the prediction',
  needs: [],
  runByDefault: true,
  options: [
    { key: 'radius', flag: '--radius', kind: 'number', above: 0, default: 0.2, placeholder: '<r>', help: 'L∞ radius of the input perturbations, in input units' },
    { key: 'samples', flag: '--samples', kind: 'integer', min: 1, default: 20, help: 'perturbations per image' },
    { key: 'distribution', flag: '--robustness-distribution', kind: 'choice', choices: DISTRIBUTIONS, default: 'uniform', help: 'uniform in the L∞ ball, or Gaussian with std = radius' },
    { key: 'attack', flag: '--attack', kind: 'choice', choices: ATTACKS, default: 'fgsm', help: 'adversarial flip by fgsm | pgd (L∞, ε in input units)' },
    { key: 'attackSteps', flag: '--attack-steps', kind: 'integer', min: 1, default: 10, help: 'PGD iterations of the adversarial flip' },
    { key: 'maxEpsilon', flag: '--attack-max-epsilon', kind: 'number', above: 0, help: "largest ε searched (default a quarter of the inputs' value range)" },
    { key: 'grid', flag: '--attack-grid', kind: 'integer', min: 1, default: 16, help: 'ε grid points searched before bisecting' },
    { key: 'refine', flag: '--attack-refine', kind: 'integer', min: 0, default: 10, help: 'bisection steps inside the first flipping interval' },
  ],
  async run(context, options) {
    const { model, explainer, inputs, attributions, seed } = context;
    const n = inputs.shape[0];
    const r = await explanationRobustness(model, explainer, inputs, {
      radius: options.radius,
      samples: options.samples,
      distribution: options.distribution,
      clip: options.clip,
      target: context.target,
      seed,
      explainOptions: { ...context.explain },
      onProgress: (done, total) => context.progress('robustness', done / total),
    });
    let adversarial: AdversarialFlipResult | undefined;
    let adversarialText: string;
    // The flip compares the clean and the adversarial map value by value: only maps of the inputs' shape.
    if (context.task === 'regression' || context.targets.length === 0) {
      adversarialText = `; no adversarial flip: ${context.task === 'regression' ? 'a regressor has no predicted class to flip' : 'the target names no class to flip (a mask of a segmenter)'}`;
    } else if (shapeToString(attributions.shape) === shapeToString(inputs.shape)) {
      context.progress('robustness: adversarial flip', 0);
      const a = await adversarialFlip(model, explainer, inputs, {
        attack: options.attack,
        steps: options.attackSteps,
        maxEpsilon: options.maxEpsilon,
        grid: options.grid,
        refine: options.refine,
        clip: options.clip,
        target: context.targets,
        seed,
        explainOptions: { ...context.explain },
        onProgress: (done, total) => context.progress('robustness: adversarial flip', done / total),
      });
      adversarial = a;
      adversarialText =
        a.flipped === 0
          ? `; ${a.settings.attack.toUpperCase()} flips no prediction up to ε = ${fmt(a.settings.maxEpsilon)}`
          : `; ${a.settings.attack.toUpperCase()} flips ${a.flipped} of ${n} prediction(s) at median ε ${fmt(a.medianEpsilon, 4)} (input units), where the map keeps Spearman ρ ${fmt(finiteMean(a.spearman))} with the clean one`;
    } else {
      adversarialText = `; no adversarial flip: ${explainer.name}'s maps ${shapeToString(attributions.shape)} do not have the inputs' shape`;
    }
    const text = `max-sensitivity ${fmt(r.mean.maxSensitivity)}, average sensitivity ${fmt(r.mean.averageSensitivity)} (relative L2 change of the map) and local Lipschitz ${fmt(r.mean.localLipschitz)} for ${r.settings.distribution} perturbations of radius ${r.settings.radius}${adversarialText}`;
    return { result: { robustness: r, ...(adversarial ? { adversarial } : {}) }, verdict: { passes: null, text } };
  },
  summarise({ robustness: r, adversarial: a }) {
    return [
      { label: 'max-sensitivity', value: r.mean.maxSensitivity, note: 'relative L2 change of the map' },
      { label: 'average sensitivity', value: r.mean.averageSensitivity },
      { label: 'local Lipschitz estimate', value: r.mean.localLipschitz },
      ...(a ? [{ label: 'median smallest flipping ε', value: a.medianEpsilon, note: `${a.flipped} of ${a.epsilon.length} flipped` }] : []),
    ];
  },
};
