/**
 * The registered checks, one line each, in the lecture's order: check leakage → check calibration →
 * explain (is the evidence where it should be?) and intervene → validate the explanation (sanity) →
 * describe it in physical terms → check the data (out of distribution) → per-image uncertainty.
 * The audit, the CLI's --skip and option flags, audit.json's keys and the tests all come from here.
 */
import type { Check } from './check.js';
import { leakageCheck } from './leakage-check.js';
import { regressionLeakageCheck } from './regression-leakage-check.js';
import { calibrationCheck } from './calibration-check.js';
import { intervalCalibrationCheck } from './interval-calibration-check.js';
import { classRecallCheck } from './class-recall-check.js';
import { shortcutCheck } from './shortcut-check.js';
import { regressionShortcutCheck } from './regression-shortcut-check.js';
import { interventionCheck } from './intervention-check.js';
import { sanityCheck } from './sanity-check.js';
import { descriptorCheck } from './descriptor-check.js';
import { oodCheck } from './ood-check.js';
import { conformalCheck } from './conformal-check.js';
import { pixelCalibrationCheck } from './pixel-calibration-check.js';
import { segmentationShortcutCheck } from './segmentation-shortcut-check.js';
import { conformalIntervalsCheck } from './conformal-intervals-check.js';
import { confounderProbeCheck } from './confounder-probe-check.js';
import { manipulationCheck } from './manipulation-check.js';
import { driftCheck } from './drift-check.js';
import { correlatedDescriptorsCheck } from './correlated-descriptors-check.js';

export const CHECKS = [
  leakageCheck,
  regressionLeakageCheck,
  confounderProbeCheck,
  calibrationCheck,
  pixelCalibrationCheck,
  intervalCalibrationCheck,
  classRecallCheck,
  shortcutCheck,
  segmentationShortcutCheck,
  regressionShortcutCheck,
  interventionCheck,
  sanityCheck,
  manipulationCheck,
  descriptorCheck,
  correlatedDescriptorsCheck,
  oodCheck,
  driftCheck,
  conformalCheck,
  conformalIntervalsCheck,
] as const satisfies readonly Check[];

/** The id of a registered check (audit.json's verdict keys, `--skip`'s values). */
export type FindingId = (typeof CHECKS)[number]['id'];

export const CHECK_IDS: readonly FindingId[] = CHECKS.map((c) => c.id);

export function getCheck(id: string): Check {
  const c = (CHECKS as readonly Check[]).find((x) => x.id === id);
  if (!c) throw new Error(`unknown check '${id}'; available: ${CHECK_IDS.join(', ')}`);
  return c;
}
