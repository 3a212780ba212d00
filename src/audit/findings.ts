/**
 * What an audit produces: one finding per question ("is there a shortcut?", "is it calibrated?"…),
 * each with a verdict, the rule that produced it, the evidence, and what the check cannot tell.
 * Stages return findings; the report only renders them.
 */

/** pass: the check ran and found nothing; flag: it found the problem; warn: weaker evidence; not-run: inputs missing. */
export type Verdict = 'pass' | 'warn' | 'flag' | 'not-run';

export type FindingId = 'shortcut' | 'intervention' | 'leakage' | 'sanity' | 'calibration' | 'conformal' | 'ood' | 'descriptors';

export interface Figure {
  caption: string;
  /** Inline SVG markup (charts). */
  svg?: string;
  /** A small table of numbers (header row, then rows). */
  table?: { headers: string[]; rows: (string | number)[][] };
  /** PNG data URIs shown side by side (maps, overlays). */
  images?: { uri: string; label: string }[];
}

export interface Finding {
  id: FindingId;
  /** The question the finding answers, e.g. "Shortcut suspected?". */
  title: string;
  verdict: Verdict;
  /** One sentence with the decisive numbers. */
  summary: string;
  /** The rule and thresholds that turned the numbers into the verdict. */
  rule: string;
  /** Numbers behind the verdict (written to audit.json). */
  evidence: Record<string, unknown>;
  /** What this check cannot establish. */
  limits: string;
  /** Charts and pictures for the page (not written to audit.json). */
  figures?: Figure[];
}

export function notRun(id: FindingId, title: string, why: string, limits: string): Finding {
  return { id, title, verdict: 'not-run', summary: why, rule: '—', evidence: {}, limits };
}

/** The worst verdict first, for the summary table. */
export const VERDICT_ORDER: readonly Verdict[] = ['flag', 'warn', 'pass', 'not-run'];

/** audit.json's view of a finding: everything but the pictures. */
export function findingJson(f: Finding): Omit<Finding, 'figures'> {
  const { figures: _figures, ...rest } = f;
  return rest;
}
