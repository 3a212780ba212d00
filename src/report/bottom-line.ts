/**
 * The bottom line of an audit, one sentence per model, at the top of the page: what a scientist
 * should do with the model ("Do not trust the shortcut model: it predicts class 1 from a patch
 * outside the region of interest (3 of 9 checks flag)"), each reason a link to the finding that
 * holds its evidence. Built from the verdicts and the checks' headlines only: the page says nothing
 * the findings do not.
 */
import type { Finding } from '../audit/findings.js';
import { escapeHtml } from './html.js';

export interface BottomLine {
  /** 'distrust' when a check flags, 'caution' when one only warns, 'no-problem' when all that ran pass, 'not-audited' when none ran. */
  readonly stance: 'distrust' | 'caution' | 'no-problem' | 'not-audited';
  /** The sentence as plain text (the terminal, audit.json, tests). */
  readonly text: string;
  /** The same sentence with every reason linking to its finding. */
  readonly html: string;
}

/** "the shortcut model" for the demo's names, the name itself for a file ("model.onnx"). */
function subject(name: string): string {
  return /\bmodel$/i.test(name) ? `the ${name}` : name;
}

function reason(f: Finding): string {
  // A check without a headline is named by its question, which a FLAG answers with yes.
  return f.headline ?? `yes to “${f.title.replace(/\?$/, '')}”`;
}

/**
 * The bottom line for one model. `href(finding)` gives the link to a finding's details (the page's
 * anchors); reasons keep the findings' order (the registry's), so the same audit gives the same words.
 */
export function bottomLine(name: string, findings: readonly Finding[], href: (f: Finding) => string): BottomLine {
  const ran = findings.filter((f) => f.verdict !== 'not-run');
  const flagged = ran.filter((f) => f.verdict === 'flag');
  const warned = ran.filter((f) => f.verdict === 'warn');
  const who = subject(name);
  const Who = who.charAt(0).toUpperCase() + who.slice(1);
  const join = (list: readonly Finding[], html: boolean) =>
    list.map((f) => (html ? `<a href="${escapeHtml(href(f))}">${escapeHtml(reason(f))}</a>` : reason(f))).join('; ');
  const count = (k: number, what: string) => `${k} of ${ran.length} check${ran.length === 1 ? '' : 's'} ${what}`;
  const sentence = (stance: BottomLine['stance'], lead: string, list: readonly Finding[], tail: string): BottomLine => ({
    stance,
    text: `${lead}${list.length ? `: ${join(list, false)}` : ''}${tail}`,
    html: `${escapeHtml(lead)}${list.length ? `: ${join(list, true)}` : ''}${escapeHtml(tail)}`,
  });
  if (ran.length === 0) return sentence('not-audited', `${Who} was not audited`, [], ': no check could run (the reasons are under each check).');
  if (flagged.length > 0) {
    const also = warned.length ? `; ${warned.length} more warn${warned.length === 1 ? 's' : ''}` : '';
    return sentence('distrust', `Do not trust ${who}`, flagged, ` (${count(flagged.length, flagged.length === 1 ? 'flags' : 'flag')}${also}).`);
  }
  if (warned.length > 0) return sentence('caution', `Use ${who} with care`, warned, ` (${count(warned.length, warned.length === 1 ? 'warns' : 'warn')}; none flags).`);
  return sentence(
    'no-problem',
    `No problem found in ${who}`,
    [],
    `: all ${ran.length} checks that ran pass. That is not proof it learned the physics: an expert must still judge what it attends to.`,
  );
}
