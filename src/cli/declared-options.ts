/**
 * Builds commander flags from option declarations (options/option-spec.ts) and reads them back into
 * the options object of the method, metric or check the user chose. Flags are never hand-listed in
 * a command: a new declared option appears in `--help` and works on the command line by itself.
 */
import { Option, type Command } from 'commander';
import type { MergedOption, OptionSpec } from '../options/option-spec.js';
import { mergedHelp, parseOptionValue, OptionError, placeholderOf } from '../options/option-spec.js';
import { UsageError } from './errors.js';

/** commander's property name for a flag: '--nt-samples' → 'ntSamples'. */
export function attributeOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parserOf(spec: OptionSpec) {
  return (raw: string) => {
    try {
      return parseOptionValue(spec, raw);
    } catch (e) {
      if (e instanceof OptionError) throw new UsageError(e.message);
      throw e;
    }
  };
}

/** Adds one flag per merged declaration. Defaults are not given to commander: the chosen owner applies its own. */
export function addDeclaredOptions(command: Command, merged: readonly MergedOption[]): Command {
  for (const m of merged) {
    const placeholder = placeholderOf(m.spec);
    const option = new Option(placeholder ? `${m.spec.flag} ${placeholder}` : m.spec.flag, mergedHelp(m));
    if (m.spec.kind !== 'boolean') option.argParser(parserOf(m.spec));
    command.addOption(option);
  }
  return command;
}

/**
 * The options object of each chosen owner (one method; or the metrics picked with --metrics): its
 * declared defaults, overridden by the flags the user gave. A flag the user gave that no chosen
 * owner declares is an error naming who does take it (so `--window` with saliency is not silently
 * ignored). Array-file options come back as paths; the caller reads them.
 */
export function declaredValues(
  command: Command,
  merged: readonly MergedOption[],
  chosen: readonly { readonly owner: string; readonly options: readonly OptionSpec[] }[],
): Record<string, unknown>[] {
  const values = command.opts() as Record<string, unknown>;
  const given = merged.filter((m) => command.getOptionValueSource(attributeOf(m.spec.flag)) === 'cli');
  for (const m of given) {
    if (!chosen.some((c) => c.options.some((s) => s.flag === m.spec.flag))) {
      const names = chosen.map((c) => c.owner).join(', ');
      throw new UsageError(`${m.spec.flag} does not apply to ${names}; it is an option of ${m.owners.map((o) => o.owner).join(', ')}`);
    }
  }
  return chosen.map(({ options }) => {
    const out: Record<string, unknown> = {};
    for (const s of options) {
      if (s.default !== undefined) out[s.key] = Array.isArray(s.default) ? [...s.default] : s.default;
      if (given.some((m) => m.spec.flag === s.flag)) out[s.key] = s.kind === 'boolean' ? s.default !== true : values[attributeOf(s.flag)];
    }
    return out;
  });
}
