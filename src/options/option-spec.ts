/**
 * One options model for every stage. A method, a metric or a check declares each of its options
 * once — the property it sets, its command-line flag, its type, default, one line of help and its
 * validation — and the CLI builds its flags from those declarations, so a flag cannot mean one thing
 * in the library and another on the command line, and a new option is one declaration.
 *
 * This file sits at the bottom of the pipeline (beside tensor/): it knows no model, no tensor and no
 * CLI library.
 */

export type OptionKind =
  /** a whole number, checked against min/max */
  | 'integer'
  /** a finite number, checked against min/max */
  | 'number'
  /**
   * present or absent (a switch): giving the flag turns the default around — true when the default
   * is false or absent, false when the default is true (`--signed` sets saliency's `abs` to false)
   */
  | 'boolean'
  /** free text */
  | 'string'
  /** one of `choices` */
  | 'choice'
  /** comma-separated whole numbers ≥ 0 */
  | 'integer-list'
  /** comma-separated names */
  | 'string-list'
  /** a path to an array file; the CLI reads it into a Tensor before the run */
  | 'array-file';

export interface OptionSpec {
  /** Property of the options object this sets, e.g. 'window'. */
  readonly key: string;
  /** Command-line flag, e.g. '--window'. */
  readonly flag: string;
  readonly kind: OptionKind;
  /** One line for `--help`. Do not repeat the default: it is printed from `default`. */
  readonly help: string;
  readonly default?: number | string | boolean | readonly number[] | readonly string[];
  /** Allowed values of a 'choice'. */
  readonly choices?: readonly string[];
  /** Inclusive bounds of an 'integer' or 'number' (and of each entry of an 'integer-list'). */
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound (e.g. a probability in (0, 1]). */
  readonly above?: number;
  /**
   * Words an 'integer' or 'number' option takes besides a number, passed through as the string
   * (IG's `--steps auto`).
   */
  readonly words?: readonly string[];
  /** Placeholder shown in `--help`, e.g. '<n>' (default from the kind). */
  readonly placeholder?: string;
}

/** A user mistake in an option value: the CLI prints it as one line. */
export class OptionError extends Error {}

const PLACEHOLDERS: Record<OptionKind, string> = {
  integer: '<n>',
  number: '<x>',
  boolean: '',
  string: '<text>',
  choice: '<name>',
  'integer-list': '<i,j,…>',
  'string-list': '<a,b,…>',
  'array-file': '<file>',
};

export function placeholderOf(spec: OptionSpec): string {
  if (spec.placeholder) return spec.placeholder;
  if (spec.kind === 'choice' && spec.choices) return `<${spec.choices.join('|')}>`;
  if (spec.words?.length) return `${PLACEHOLDERS[spec.kind].slice(0, -1)}|${spec.words.join('|')}>`;
  return PLACEHOLDERS[spec.kind];
}

function describeBounds(spec: OptionSpec): string {
  const parts: string[] = [];
  if (spec.above !== undefined) parts.push(`> ${spec.above}`);
  if (spec.min !== undefined) parts.push(`≥ ${spec.min}`);
  if (spec.max !== undefined) parts.push(`≤ ${spec.max}`);
  return parts.join(' and ');
}

function checkNumber(spec: OptionSpec, n: number, raw: string, what: string): number {
  const bad =
    (spec.kind === 'integer' || spec.kind === 'integer-list' ? !Number.isInteger(n) : !Number.isFinite(n)) ||
    (spec.min !== undefined && n < spec.min) ||
    (spec.max !== undefined && n > spec.max) ||
    (spec.above !== undefined && !(n > spec.above));
  if (bad) {
    const bounds = describeBounds(spec);
    const words = spec.words?.length ? ` or ${spec.words.map((w) => `'${w}'`).join(', ')}` : '';
    throw new OptionError(`${spec.flag} must be ${what}${bounds ? ` ${bounds}` : ''}${words} (got '${raw}')`);
  }
  return n;
}

/** Parses and validates one command-line value; throws OptionError naming the flag. */
export function parseOptionValue(spec: OptionSpec, raw: string): unknown {
  const text = raw.trim();
  if ((spec.kind === 'integer' || spec.kind === 'number') && spec.words?.includes(text)) return text;
  switch (spec.kind) {
    case 'integer':
      return checkNumber(spec, text === '' ? NaN : Number(text), raw, 'an integer');
    case 'number':
      return checkNumber(spec, text === '' ? NaN : Number(text), raw, 'a number');
    case 'boolean':
      return true;
    case 'string':
    case 'array-file':
      if (text === '') throw new OptionError(`${spec.flag} needs a value`);
      return text;
    case 'choice':
      if (!spec.choices?.includes(text)) throw new OptionError(`${spec.flag} must be one of ${spec.choices?.join(', ')} (got '${raw}')`);
      return text;
    case 'integer-list': {
      const parts = text.split(',').map((s) => s.trim());
      if (parts.some((p) => p === '')) throw new OptionError(`${spec.flag} must be a comma-separated list of integers (got '${raw}')`);
      return parts.map((p) => checkNumber(spec, Number(p), raw, 'a comma-separated list of integers'));
    }
    case 'string-list': {
      const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
      if (parts.length === 0) throw new OptionError(`${spec.flag} needs at least one name`);
      if (spec.choices) {
        const bad = parts.find((p) => !spec.choices!.includes(p));
        if (bad !== undefined) throw new OptionError(`${spec.flag}: unknown '${bad}'; choose from ${spec.choices.join(', ')}`);
      }
      return parts;
    }
  }
}

/**
 * Checks a value given through the library (not the CLI) against its declaration, so that the API
 * and the command line refuse the same things. Undefined means "use the default" and passes.
 */
export function validateOptionValue(spec: OptionSpec, value: unknown): void {
  if (value === undefined) return;
  switch (spec.kind) {
    case 'integer':
    case 'number':
      if (typeof value === 'string' && spec.words?.includes(value)) return;
      if (typeof value !== 'number') throw new OptionError(`${spec.key} must be a number${spec.words?.length ? ` or ${spec.words.map((w) => `'${w}'`).join(', ')}` : ''} (got ${typeof value === 'string' ? `'${value}'` : typeof value})`);
      checkNumber({ ...spec, flag: spec.key }, value, String(value), spec.kind === 'integer' ? 'an integer' : 'a number');
      return;
    case 'choice':
      if (typeof value !== 'string' || !spec.choices?.includes(value)) throw new OptionError(`${spec.key} must be one of ${spec.choices?.join(', ')} (got '${String(value)}')`);
      return;
    default:
      return;
  }
}

/** The declared defaults as an options object. */
export function defaultsOf(specs: readonly OptionSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of specs) if (s.default !== undefined) out[s.key] = s.default;
  return out;
}

/**
 * Merges the declarations of several owners (the methods of `explain`, the metrics of `evaluate`)
 * into one flag list. The same flag must mean the same thing everywhere — same property, same kind —
 * or this throws (a test iterates every registry through it). Help lines are joined per owner;
 * defaults that differ between owners are shown per owner and applied by the chosen one.
 */
export interface MergedOption {
  readonly spec: OptionSpec;
  /** Owners declaring this flag, with the default each applies. */
  readonly owners: readonly { readonly owner: string; readonly default: OptionSpec['default']; readonly help: string }[];
}

export function mergeOptionSpecs(groups: readonly { owner: string; options: readonly OptionSpec[] }[]): MergedOption[] {
  const byFlag = new Map<string, { spec: OptionSpec; owners: { owner: string; default: OptionSpec['default']; help: string }[] }>();
  for (const { owner, options } of groups) {
    for (const spec of options) {
      const seen = byFlag.get(spec.flag);
      if (!seen) {
        byFlag.set(spec.flag, { spec, owners: [{ owner, default: spec.default, help: spec.help }] });
        continue;
      }
      if (seen.spec.key !== spec.key || seen.spec.kind !== spec.kind) {
        throw new Error(`option ${spec.flag} is declared as ${seen.spec.key} (${seen.spec.kind}) by ${seen.owners[0].owner} but as ${spec.key} (${spec.kind}) by ${owner}; one flag must mean one thing`);
      }
      seen.owners.push({ owner, default: spec.default, help: spec.help });
    }
  }
  return [...byFlag.values()];
}

/**
 * `--help` text of a merged option, naming its owners (a flag of `explain` belongs to some methods
 * only, and the user must see which): "owner, owner: line (default d); owner: line (default e)" —
 * owners with the same line and default share one entry, in declaration order.
 */
export function mergedHelp(m: MergedOption): string {
  // A switch's help says what giving it does; its default is the state without it, not worth a note.
  const fmt = (d: OptionSpec['default']) => (d === undefined || m.spec.kind === 'boolean' ? '' : ` (default ${Array.isArray(d) ? d.join(',') : String(d)})`);
  const entries: { owners: string[]; text: string }[] = [];
  for (const o of m.owners) {
    const text = `${o.help}${fmt(o.default)}`;
    const same = entries.find((e) => e.text === text);
    if (same) same.owners.push(o.owner);
    else entries.push({ owners: [o.owner], text });
  }
  return entries.map((e) => `${e.owners.join(', ')}: ${e.text}`).join('; ');
}
