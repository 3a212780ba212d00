/**
 * What an audit produces: one finding per question ("is there a shortcut?", "is it calibrated?"…),
 * each with a verdict, the rule that produced it, the evidence, and what the check cannot tell.
 * Checks return findings (numbers and figure data); the report only draws them.
 */
import type { FigureData } from './figure-data.js';

/** pass: the check ran and found nothing; flag: it found the problem; warn: weaker evidence; not-run: inputs missing. */
export type Verdict = 'pass' | 'warn' | 'flag' | 'not-run';

export interface Finding {
  /** The id of the check that produced it (one of the registry's ids: see checks.ts's FindingId). */
  id: string;
  /** The question the finding answers, e.g. "Does the model use a shortcut outside the region of interest?" (a yes is the problem: FLAG). */
  title: string;
  verdict: Verdict;
  /** One sentence with the decisive numbers. */
  summary: string;
  /**
   * On FLAG or WARN: the problem as one clause about the model, for the report's bottom line
   * ("it predicts class 1 from a patch outside the region of interest"). Without one the bottom
   * line names the question.
   */
  headline?: string;
  /** The rule and thresholds that turned the numbers into the verdict. */
  rule: string;
  /** Numbers behind the verdict (written to audit.json). */
  evidence: Record<string, unknown>;
  /** What this check cannot establish. */
  limits: string;
  /** Figure data for the page, drawn by report/audit-figures.ts (not written to audit.json). */
  figures?: FigureData[];
}

/** The worst verdict first, for the summary table. */
export const VERDICT_ORDER: readonly Verdict[] = ['flag', 'warn', 'pass', 'not-run'];

/** audit.json's view of a finding: everything but the figures. */
export function findingJson(f: Finding): Omit<Finding, 'figures'> {
  const { figures: _figures, ...rest } = f;
  return rest;
}
