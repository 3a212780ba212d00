/**
 * The attribution-method flags shared by `explain` and `evaluate`: one merged flag list built from
 * the methods' declared options (attribution/*.ts), the chosen method's values read back from the
 * command line, and the target flags. A method option has the same name and meaning in both commands,
 * and a new method or option appears in both by itself.
 */
import type { Command } from 'commander';
import type { Tensor } from '../tensor/tensor.js';
import { explainers } from '../attribution/registry.js';
import type { Explainer } from '../attribution/explainer.js';
import { mergeOptionSpecs, OptionError, validateOptionValue, type MergedOption } from '../options/option-spec.js';
import { addDeclaredOptions, attributeOf, declaredValues } from './declared-options.js';
import { UsageError } from './errors.js';
import { checkFinite, readValues } from './inputs.js';

/** Every registered method's declared options as one flag list (throws if two methods give one flag two meanings). */
export const METHOD_FLAGS: readonly MergedOption[] = mergeOptionSpecs([...explainers.values()].map((e) => ({ owner: e.name, options: e.options })));

/** The method names, for `--method`'s help. */
export function methodNames(): string {
  return [...explainers.keys()].join(' | ');
}

/** The "Methods:" block of `--help`: each method's one-line description. */
export function methodsHelp(): string {
  return [...explainers.values()].map((e) => `  ${e.name}: ${e.description}`).join('\n');
}

/** Adds one flag per declared method option (help names the methods that take it). */
export function addMethodOptions(command: Command): Command {
  return addDeclaredOptions(command, METHOD_FLAGS);
}

export function parseIndexList(flag: string) {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    const list = parts.map(Number);
    if (parts.some((p) => p === '') || list.some((n) => !Number.isInteger(n) || n < 0)) throw new UsageError(`${flag} must be a comma-separated list of indices ≥ 0 (got '${value}')`);
    return list;
  };
}

/**
 * `--target k` or `--target k1,k2,…` (one per image): a class, or for a regressor an output index
 * (`noun` names which in the errors); undefined: the command's default.
 */
export function parseTarget(value: string | undefined, rows: number, noun = 'class'): number | number[] | undefined {
  if (value === undefined) return undefined;
  const classes = value.split(',').map((s) => {
    const n = Number(s.trim());
    if (s.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`--target must be ${noun === 'class' ? 'a class' : 'an output'} index or a comma-separated list of them (got '${value}')`);
    return n;
  });
  if (classes.length === 1) return classes[0];
  const plural = noun === 'class' ? 'classes' : `${noun}s`;
  if (classes.length !== rows) throw new UsageError(`--target lists ${classes.length} ${plural} for ${rows} images; give one ${noun}, or one per image`);
  return classes;
}

/**
 * The chosen method's options from the command line: its declared defaults and the flags given,
 * checked against its own declarations (a merged flag parses with the first owner's choices; a
 * method may accept fewer, as guided-grad-cam's --upsample does). No file is read here: array-file
 * options are still paths (see readMethodFiles), so every flag error comes before any I/O.
 */
export function methodOptions(command: Command, explainer: Explainer, modelPath: string): Record<string, unknown> {
  const [values] = declaredValues(command, METHOD_FLAGS, [{ owner: explainer.name, options: explainer.options }]);
  const given = (flag: string) => command.getOptionValueSource(attributeOf(flag)) === 'cli';
  // The one rule between two options: the noise level is either absolute or relative.
  if (given('--stdevs') && given('--noise-fraction')) throw new UsageError('give --stdevs or --noise-fraction, not both');
  for (const spec of explainer.options) {
    try {
      validateOptionValue({ ...spec, key: spec.flag }, values[spec.key]);
    } catch (e) {
      if (e instanceof OptionError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (explainer.needs.layer && (values.layer === undefined || values.layer === '')) {
    const flag = explainer.options.find((s) => s.key === 'layer')?.flag ?? '--layer';
    throw new UsageError(`--method ${explainer.name} needs ${flag} <name> (a conv or ReLU output); list the names with 'trustscope layers --model ${modelPath}'`);
  }
  return values;
}

/**
 * Reads the array files among the chosen method's options (e.g. gradient-shap's --baselines) into
 * tensors, refusing non-finite values, and reports each path (for run.json). Returns the options
 * with the tensors in place of the paths.
 */
export async function readMethodFiles(explainer: Explainer, values: Record<string, unknown>, onFile: (path: string) => void = () => undefined): Promise<Record<string, unknown>> {
  const out = { ...values };
  for (const spec of explainer.options) {
    const path = values[spec.key];
    if (spec.kind !== 'array-file' || typeof path !== 'string') continue;
    const t: Tensor = await readValues(path);
    checkFinite(t, path);
    onFile(path);
    out[spec.key] = t;
  }
  return out;
}
