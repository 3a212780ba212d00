/**
 * The one contract every attribution method implements (Captum's `attribute()`). Besides the
 * computation, a method declares what the CLI, the metrics and the contract tests need to know
 * without a hand-kept list of names: its options (flag, type, default, help), the shape of its maps,
 * what the model must provide, and whether the target and the seed change its result.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { OptionSpec } from '../options/option-spec.js';
import type { Target } from './common/target.js';

// The target rules live in common/ so that metrics share them; re-exported for existing importers.
export type { Target, ResolvedTarget } from './common/target.js';
export { resolveTarget, weightedOutput } from './common/target.js';

export interface ExplainOptions {
  /** Default: the model's predicted class per row. */
  target?: Target;
  /** Seed of the method's random draws (noise, baselines, masks, coalitions); default 0. */
  seed?: number;
}

export interface Attribution {
  readonly method: string;
  /** The inputs' shape, or [N, 1, H, W] for a method whose output is 'map'. */
  readonly values: Tensor;
  /** Class explained per row (when the target was a class), for reports. */
  readonly targets?: readonly number[];
  /** Method-specific results (IG's convergence delta, a surrogate model…). */
  readonly extras?: Readonly<Record<string, unknown>>;
}

/**
 * Shape of `values`:
 * - 'input': the inputs' shape (one value per input element);
 * - 'map': one channel [N, 1, H, W] at the input's spatial size with the declared defaults (at the
 *   layer's or patch grid's resolution with upsample 'none'); it broadcasts over the channels.
 */
export type AttributionOutput = 'input' | 'map';

/** What the model (and options) must provide beyond forward and vjp. */
export interface ExplainerNeeds {
  /** options.layer: a 4-D inner value [N, C, h, w] among model.layers (Grad-CAM). */
  readonly layer?: boolean;
  /** Attention probabilities [N, heads, T, T]: a Vision Transformer. */
  readonly attention?: boolean;
  /** model.withBackwardRules (guided backpropagation, DeepLIFT). */
  readonly backwardRules?: boolean;
}

export interface Explainer<O extends ExplainOptions = ExplainOptions> {
  readonly name: string;
  /** One line for `--help`: what the method computes (options and their defaults are declared in `options`; the seed is the caller's). */
  readonly description: string;
  /**
   * Every option attribute() reads besides target and seed, declared once with Captum's default:
   * `trustscope explain` builds its flags from these, and the API accepts the same keys.
   */
  readonly options: readonly OptionSpec[];
  readonly output: AttributionOutput;
  readonly needs: ExplainerNeeds;
  /** False for class-agnostic maps (attention), which ignore the target. */
  readonly usesTarget: boolean;
  /** True when the result depends on options.seed (random draws). */
  readonly usesSeed: boolean;
  /**
   * True for methods whose attributions should sum to f(x) − f(baseline) of the explained output
   * (options.baseline): they report extras.completeness (common/completeness.ts), the CLI warns when
   * it fails and `evaluate`'s completeness metric checks it independently.
   */
  readonly completeness?: boolean;
  attribute(model: Model, inputs: Tensor, options?: O): Promise<Attribution>;
}

/** Option keys a method of options O may declare: its own properties, not target or seed. */
export type OptionKey<O> = Exclude<keyof O, keyof ExplainOptions> & string;

/**
 * Declares a method's options with their keys checked against its options type, so a declaration
 * cannot name a property the method never reads under that name.
 */
export function declareOptions<O extends ExplainOptions>(specs: readonly (OptionSpec & { readonly key: OptionKey<O> })[]): readonly (OptionSpec & { readonly key: OptionKey<O> })[] {
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.key)) throw new Error(`option '${s.key}' is declared twice`);
    seen.add(s.key);
  }
  return specs;
}
