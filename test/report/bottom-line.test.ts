/** The bottom line: one sentence per model from the verdicts and the checks' headlines, each reason a link. */
import { describe, expect, it } from 'vitest';
import type { Finding, Verdict } from '../../src/audit/findings.js';
import { bottomLine } from '../../src/report/bottom-line.js';

const f = (id: string, verdict: Verdict, headline?: string): Finding => ({
  id,
  title: `Does ${id} go wrong?`,
  verdict,
  summary: 's',
  rule: 'r',
  evidence: {},
  limits: 'l',
  ...(headline ? { headline } : {}),
});
const href = (x: Finding) => `#m-${x.id}`;

describe('bottomLine', () => {
  it('flags: do not trust, every flag a linked reason, counted over the checks that ran', () => {
    const findings = [f('a', 'pass'), f('shortcut', 'flag', 'it predicts class 1 from a patch outside the region of interest'), f('b', 'not-run'), f('c', 'flag'), f('d', 'warn', 'w')];
    const b = bottomLine('shortcut model', findings, href);
    expect(b.stance).toBe('distrust');
    expect(b.text).toBe('Do not trust the shortcut model: it predicts class 1 from a patch outside the region of interest; yes to “Does c go wrong” (2 of 4 checks flag; 1 more warns).');
    expect(b.html).toContain('<a href="#m-shortcut">it predicts class 1 from a patch outside the region of interest</a>');
    expect(b.html).toContain('<a href="#m-c">');
  });

  it('warnings only: use with care', () => {
    const b = bottomLine('model.onnx', [f('a', 'pass'), f('d', 'warn', 'its confidences are over-confident (ECE 0.030)')], href);
    expect(b.stance).toBe('caution');
    expect(b.text).toBe('Use model.onnx with care: its confidences are over-confident (ECE 0.030) (1 of 2 checks warns; none flags).');
  });

  it('all pass: no problem found, and says that is not proof', () => {
    const b = bottomLine('clean model', [f('a', 'pass'), f('b', 'pass'), f('c', 'not-run')], href);
    expect(b.stance).toBe('no-problem');
    expect(b.text).toMatch(/^No problem found in the clean model: all 2 checks that ran pass\. That is not proof/);
    expect(b.html).not.toContain('<a ');
  });

  it('nothing ran: not audited', () => {
    expect(bottomLine('m', [f('a', 'not-run')], href).stance).toBe('not-audited');
  });

  it('escapes the reasons in HTML', () => {
    expect(bottomLine('m', [f('a', 'flag', 'x < y & z')], href).html).toContain('x &lt; y &amp; z');
  });
});
