import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { addDeclaredOptions, attributeOf, declaredValues } from '../../src/cli/declared-options.js';
import { mergeOptionSpecs, type OptionSpec } from '../../src/options/option-spec.js';

const occlusion: OptionSpec[] = [
  { key: 'window', flag: '--window', kind: 'integer', min: 1, default: 4, help: 'window side' },
  { key: 'baseline', flag: '--baseline', kind: 'number', default: 0, help: 'fill value' },
];
const ig: OptionSpec[] = [
  { key: 'steps', flag: '--n-steps', kind: 'integer', min: 1, default: 50, help: 'steps' },
  { key: 'baseline', flag: '--baseline', kind: 'number', default: 0, help: 'fill value' },
];
const merged = mergeOptionSpecs([
  { owner: 'occlusion', options: occlusion },
  { owner: 'integrated-gradients', options: ig },
]);

function parse(argv: string[]): Command {
  const c = addDeclaredOptions(new Command().exitOverride(), merged);
  c.parse(argv, { from: 'user' });
  return c;
}

describe('CLI flags from declarations', () => {
  it('maps flags to commander attributes', () => {
    expect(attributeOf('--n-steps')).toBe('nSteps');
    expect(attributeOf('--window')).toBe('window');
  });

  it("applies the chosen owner's defaults, then the user's flags, under the declared keys", () => {
    expect(declaredValues(parse([]), merged, [{ owner: 'occlusion', options: occlusion }])).toEqual([{ window: 4, baseline: 0 }]);
    expect(declaredValues(parse(['--window', '8', '--baseline', '0.3']), merged, [{ owner: 'occlusion', options: occlusion }])).toEqual([{ window: 8, baseline: 0.3 }]);
    expect(declaredValues(parse(['--n-steps', '10']), merged, [{ owner: 'integrated-gradients', options: ig }])).toEqual([{ steps: 10, baseline: 0 }]);
  });

  it('rejects a flag the chosen owner does not take, naming who does', () => {
    expect(() => declaredValues(parse(['--window', '8']), merged, [{ owner: 'integrated-gradients', options: ig }])).toThrow(/--window does not apply to integrated-gradients; it is an option of occlusion/);
  });

  it('validates values while parsing', () => {
    expect(() => parse(['--window', '0'])).toThrow(/--window must be an integer ≥ 1/);
  });
});
