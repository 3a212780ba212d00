/**
 * Faithfulness metrics: does the map point at what the model actually uses? One file per metric;
 * this one gathers them for the library and the `evaluate` command.
 *
 *   deletionInsertionCurves  (model, inputs, attributions, options)  deletion-curves.ts
 *   road                     (model, inputs, attributions, options)  road.ts
 *   faithfulnessCorrelation  (model, inputs, attributions, options)  faithfulness-correlation.ts
 *   infidelity               (model, inputs, attributions, options)  infidelity.ts
 *   sufficiency              (model, inputs, attributions, options)  sufficiency.ts
 */
export { deletionInsertionCurves } from './deletion-curves.js';
export type { CurveKind, DeletionCurveOptions, DeletionCurveResult, PerturbationCurve } from './deletion-curves.js';
export { noisyLinearImputation, road } from './road.js';
export type { RoadCurve, RoadOptions, RoadOrder, RoadResult } from './road.js';
export { faithfulnessCorrelation } from './faithfulness-correlation.js';
export type { FaithfulnessCorrelationOptions, FaithfulnessCorrelationResult } from './faithfulness-correlation.js';
export { infidelity } from './infidelity.js';
export type { InfidelityOptions, InfidelityPerturbation, InfidelityResult } from './infidelity.js';
export { sufficiency } from './sufficiency.js';
export type { SufficiencyDistance, SufficiencyOptions, SufficiencyResult } from './sufficiency.js';
export type { Replacement, ScoreKind } from './perturbation.js';
