/**
 * What `explain` says about completeness (methods whose attributions should sum to
 * f(x) − f(baseline): integrated gradients, DeepLIFT): the relative error |Σφ − Δf| / |Δf| per image
 * in run.json and its largest value on the console line, and for IG's `--steps auto` the steps each
 * image took. The numbers come from the method's extras; nothing is recomputed here.
 */
import { completenessWarning, type CompletenessCheck } from '../attribution/common/completeness.js';
import type { AdaptiveStepsResult } from '../attribution/adaptive-steps.js';
import type { Attribution } from '../attribution/explainer.js';

export interface CompletenessReport {
  /** Appended to the console line ('' when the method claims no completeness). */
  readonly text: string;
  /** run.json's `completeness` entry, or undefined. */
  readonly record?: Record<string, unknown>;
  /** One-line warnings for stderr. */
  readonly warnings: readonly string[];
}

const pct = (x: number) => `${(100 * x).toPrecision(2)}%`;

export function completenessReport(method: string, result: Attribution): CompletenessReport {
  const check = result.extras?.completeness as CompletenessCheck | undefined;
  if (!check) return { text: '', warnings: [] };
  const delta = result.extras?.convergenceDelta as number[] | undefined;
  const adaptive = result.extras?.adaptiveSteps as AdaptiveStepsResult | undefined;
  const worst = check.relativeGap.reduce((w, g) => (!(g <= w) ? g : w), 0);
  const [fewest, most] = adaptive ? [Math.min(...adaptive.stepsPerImage), Math.max(...adaptive.stepsPerImage)] : [0, 0];
  const steps = adaptive ? `, steps per image ${fewest === most ? fewest : `${fewest}–${most}`} (--steps auto, tolerance ${pct(adaptive.tolerance)})` : '';
  const deltaText = delta && delta.length > 0 ? `, max |convergence delta| ${Math.max(...delta.map(Math.abs)).toExponential(2)}` : '';
  const record = {
    relativeError: check.relativeGap,
    attributionSum: check.attributionSum,
    outputChange: check.outputChange,
    ...(delta ? { convergenceDelta: delta } : {}),
    ...(adaptive ? { adaptiveSteps: adaptive } : {}),
    definition: '|sum of attributions - (f(x) - f(baseline))| / max(|f(x) - f(baseline)|, 1e-3), per image',
  };
  const warnings = [completenessWarning(method, check), adaptive?.warning].filter((w): w is string => w !== undefined);
  return { text: `${deltaText}, completeness error max ${pct(worst)}${steps}`, record, warnings };
}
