/** trustscope's public API. */
export type { Tensor } from './tensor/tensor.js';
export { tensor, zeros, filled, sizeOf, sliceRows, concatRows, takeRows, reshape, argmaxRows, softmaxRows, oneHot } from './tensor/tensor.js';
export { Random } from './tensor/random.js';

export type { Graph, Node, TensorValue, ValueInfo, Attribute } from './onnx/graph.js';
export { DataType, attr } from './onnx/graph.js';
export { decodeModel, encodeModel } from './onnx/proto.js';
export { GraphEditor } from './onnx/editor.js';
export { ModelBuilder } from './onnx/builder.js';
export { inferShapes } from './onnx/shapes.js';
export { countFlops, type FlopCount, type FlopOptions } from './onnx/flops.js';
export { symbolicInputAxes, withInputShape } from './onnx/input-shape.js';
export { buildGradientGraph } from './onnx/autodiff/gradient.js';
export type { GradientSpec, GradientGraph } from './onnx/autodiff/gradient.js';
export { vjpRules } from './onnx/autodiff/rules.js';
export { configureRuntime, createSession } from './onnx/runtime.js';

export type { Model, ParameterChange, ParameterInfo, LayerInfo, OnnxModelOptions } from './models/model.js';
export { OnnxModel } from './models/model.js';
export { inferTask, isDenseTask, isTask, TASKS, TASK_OPTION, type Task } from './models/task.js';
export { trainClassifier, accuracy } from './models/train.js';
export type { TrainOptions, TrainResult } from './models/train.js';
export { withSoftmax } from './models/transforms.js';
export { loadOnnxModel, readOnnxGraph, saveOnnxGraph, type LoadOnnxOptions } from './models/import/onnx-file.js';
export { loadTfjsModel, readTfjsGraph } from './models/import/tfjs-model.js';
export { loadModel, readModelGraph } from './models/import/load-model.js';
export { tinyCnn } from './models/zoo/tiny-cnn.js';
export { cifarCnn, type CifarCnnOptions } from './models/zoo/cifar-cnn.js';
export { tinySegmenter, type TinySegmenterOptions } from './models/zoo/tiny-segmenter.js';
export { smallConvNet } from './models/zoo/small-conv-net.js';

export type { Dataset } from './data/dataset.js';
export { generateEmDefects, cornerMask, paintArtifact } from './data/synthetic/em-defects.js';
export type { EmDefectOptions, EmDefectSet } from './data/synthetic/em-defects.js';
export { readNpy, writeNpy, parseNpy, encodeNpy } from './data/formats/npy.js';
export { readPng, decodePngBytes } from './data/formats/png.js';
export { readJpeg, jpegReader } from './data/formats/jpeg.js';
export { readArrayFile, listDatasets, readers, AmbiguousDatasetError, type ArrayFileOptions } from './data/formats/registry.js';
export { FormatError, type ImageArray, type Reader, type ReadOptions, type DatasetEntry, type Axis } from './data/formats/reader.js';
export { parseCsv, type CsvRow } from './data/csv.js';

export type { Explainer, ExplainOptions, Attribution, Target } from './attribution/explainer.js';
export { declareOptions, type ExplainerNeeds, type AttributionOutput } from './attribution/explainer.js';
export { saliency } from './attribution/saliency.js';
export { occlusion } from './attribution/occlusion.js';
export { inputXGradient } from './attribution/input-x-gradient.js';
export { integratedGradients } from './attribution/integrated-gradients.js';
export { noiseTunnel, smoothGrad, smoothGradSq, varGrad } from './attribution/noise-tunnel.js';
export { gradCam, gradCamPlusPlus } from './attribution/grad-cam.js';
export { gradientShap } from './attribution/gradient-shap.js';
export { rise } from './attribution/rise.js';
export { kernelShap } from './attribution/kernel-shap.js';
export { lime } from './attribution/lime.js';
export { explainers, getExplainer } from './attribution/registry.js';

export { regionContrast, normalisedMaps } from './evaluate/region.js';
export { interventionTest, pastePatch, predictedRate, accuracyOn } from './trust/intervention.js';
export { runDemo, demoSummary, DEMO_SETTINGS } from './audit/demo.js';
export { renderDemoPage } from './report/demo-page.js';
export { heatmapPng, overlayPng, greyscalePng } from './report/png.js';
// Pixel sizes and scale bars (issue 12): what a file says about its pixels, drawn into the pictures.
export { spatialCalibration, calibrationOfImage, sharedCalibration, lengthUnit, type SpatialCalibration, type FileCalibration } from './data/spatial-calibration.js';
export { chooseScaleBar, burnScaleBar, scaleBarSvg, type ScaleBar } from './report/scale-bar.js';
export { encodeFloat32TiffStack } from './data/formats/tiff-writer.js';
export { encodeGrey16Png, quantise16 } from './data/formats/png-writer.js';
export { relativeL2, pearson } from './tensor/compare.js';

// Attribution suite, part 2: modified backward rules, attention, targets, segments.
export { guidedBackprop } from './attribution/guided-backprop.js';
export { guidedGradCam, type GuidedGradCamOptions } from './attribution/guided-grad-cam.js';
export { deepLift, type DeepLiftOptions } from './attribution/deeplift.js';
export { explainClasses, outputSum, outputWeights } from './attribution/targets.js';
export { targetVjp, targetLayerVjp } from './attribution/common/target-gradient.js';
export { segmentationTarget, classOverMasks, type SegmentationTarget, type SegmentationTargetSpec } from './attribution/common/segmentation-targets.js';
export { denseShape, isDenseModel, predictedPixelClasses, pixelProbabilities, type DenseShape } from './models/dense-output.js';
export { tileGrid, tileStarts, tileOrigin, cropTiles, sampleTiles, blendWindow, blendWeightSums, parseTileOverlap, DEFAULT_TILE_OVERLAP, type TileGrid, type TileOverlap } from './data/tiling.js';
export { explainTiled, type TiledExplainOptions, type TiledAttribution } from './attribution/tiled-explain.js';
export { TileStitcher } from './attribution/tiled-stitch.js';
export { predictTiles, tilesPerCall } from './attribution/tiled-predict.js';
export { aggregateTileOutputs, aggregateGroups, type TileAggregate, type GroupAggregate, type TileVote } from './attribution/tiled-aggregate.js';
export { slic, slicBatch, enforceConnectivity, type SlicOptions, type Segmentation } from './attribution/segmentation/slic.js';
export { imageFeatureMasks, SEGMENTATIONS, type SegmentationKind, type SegmentOptions } from './attribution/segmentation/feature-masks.js';
export { BACKWARD_RULES, ruleOverrides, type BackwardRules } from './onnx/autodiff/backward-rules.js';
export { DEFAULT_MEMORY_BUDGET, rowCost, rowsPerCall } from './models/memory-budget.js';
export { chooseSpatialPass, gradientBytes, TILE_SIDE_STEP, type SpatialPass } from './models/spatial-pass.js';
export { attention, attentionRollout, findAttentionValues, rolloutMatrix } from './attribution/attention.js';
export type { AttentionOptions } from './attribution/attention.js';
export { tinyVit, tinyVitAttentionValues, VIT_TI_16 } from './models/zoo/tiny-vit.js';
export { mobileNetV2, MOBILENET_V2_TABLE, type MobileNetV2Options } from './models/zoo/mobilenet-v2.js';
export type { TinyVitOptions } from './models/zoo/tiny-vit.js';
export { generateGrains, voronoiCell } from './data/synthetic/grains.js';
export type { GrainOptions, GrainSet, GrainPoint } from './data/synthetic/grains.js';
export { generateMicrostructures, microstructureTile, MICROSTRUCTURE_CLASSES, AMBIGUOUS_PAIRS } from './data/synthetic/microstructures.js';
export type { MicrostructureOptions, MicrostructureSet, MicrostructureClass } from './data/synthetic/microstructures.js';

// Is the explanation real? Sanity checks and metrics.
export { randomisationTest, parameterLayersTopDown } from './evaluate/randomisation.js';
export type { RandomisationOptions, RandomisationResult, RandomisationStep, RandomisationMode } from './evaluate/randomisation.js';
export { spearman, ssim, hogDistance, hogBlocks, compareMaps, averageRanks } from './evaluate/similarity.js';
export { findHotspots, survivingHotspots } from './evaluate/hotspots.js';
export { localisation, rocAuc, topKHits } from './evaluate/localisation.js';
export type { LocalisationResult, LocalisationOptions, MetricScores } from './evaluate/localisation.js';
export { complexity, gini, entropyOfFractions, effectiveCount } from './evaluate/complexity.js';
export type { ComplexityResult } from './evaluate/complexity.js';
export { pixelMaps, maskPlanes } from './evaluate/maps.js';
export { shiftAbsorbedModel } from './evaluate/shift-absorbed-model.js';
export { inputInvarianceMetric } from './evaluate/metrics/input-invariance-metric.js';
export type { InputInvarianceOptions, InputInvarianceResult } from './evaluate/metrics/input-invariance-metric.js';
export { manipulateExplanations, gradientMapOf, isManipulable, MANIPULATION_DEFAULTS } from './evaluate/explanation-manipulation.js';
export type { ManipulationOptions, ManipulationResult, ManipulatedImage, ManipulationMaps } from './evaluate/explanation-manipulation.js';
export { manipulationTargets, rolledMaps, MANIPULATION_TARGETS, type ManipulationTargetKind } from './evaluate/manipulation-target.js';
export { manipulationMetric, type ManipulationMetricOptions } from './evaluate/metrics/manipulation-metric.js';
export { manipulationCheck } from './audit/manipulation-check.js';
export { smoothRelus, type SmoothedGraph } from './onnx/softplus-smoothing.js';
export { manipulationLossGraph, ManipulationLoss, normaliseMaps, GRADIENT_MAPS, type GradientMap, type ManipulationLossGraph } from './models/manipulation-loss.js';
export { commonWindow, windowMask } from './audit/artifact-window.js';
export type { ArtifactWindow } from './audit/artifact-window.js';
export { evaluateExplanations, evaluationJson, parseMetrics, prepareContext, METRIC_NAMES } from './evaluate/evaluate.js';
export type { EvaluateOptions, EvaluationResult, MetricName } from './evaluate/evaluate.js';
export { metrics, getMetric, isMetricName } from './evaluate/registry.js';
export type { MetricOptionsOf, MetricResultOf, RegisteredMetric } from './evaluate/registry.js';
export { resolveMetricOptions, unmetNeed } from './evaluate/metric.js';
export type { Metric, MetricContext, MetricNeed, MetricNumber, MetricOutcome, MetricVerdict } from './evaluate/metric.js';
export { renderEvaluationPage } from './report/evaluation-page.js';
export * from './evaluate/faithfulness.js';
export { explanationRobustness, maxSensitivity, averageSensitivity, localLipschitzEstimate } from './evaluate/robustness.js';
export type { RobustnessOptions, RobustnessResult } from './evaluate/robustness.js';
export { adversarialExamples, minimalFlipEpsilon, adversarialFlip } from './evaluate/adversarial.js';
export type { AttackOptions, FlipSearchOptions, FlipSearchResult, AdversarialFlipOptions, AdversarialFlipResult } from './evaluate/adversarial.js';

// Trust diagnostics.
export { calibrationReport, fitTemperature, temperatureScaling, negativeLogLikelihood, probabilitiesFromLogits, scaleLogits } from './trust/calibration.js';
export type { CalibrationReport, ReliabilityBin, TemperatureFit, TemperatureScalingResult, Binning } from './trust/calibration.js';
export { conformalQuantile, conformalScores, calibrateClassifier, predictionSets, summariseSets, splitConformal, calibrateRegressor, predictionIntervals, intervalCoverage, CONFORMAL_SCORES } from './trust/conformal.js';
export type { ConformalScore, ConformalClassifier, ConformalRegressor, SplitConformalResult } from './trust/conformal.js';
export { convAutoencoder, AUTOENCODER_CODE_LAYER, type AutoencoderOptions } from './models/zoo/autoencoder.js';
export { trainReconstruction, type ReconstructionTrainResult } from './models/train-autoencoder.js';
export { SHIFT_KINDS, applyShift, generateShiftedSet, generateShiftSuite, type ShiftKind, type ShiftedSet } from './data/synthetic/shifts.js';
export { auroc } from './trust/auroc.js';
export { fitMahalanobis, mahalanobisScores, type MahalanobisFit } from './trust/mahalanobis.js';
export { OOD_DETECTORS, maxSoftmaxScores, energyScores, reconstructionErrors, typicalityCentre, typicalityScores, layerFeatures, defaultFeatureLayer, oodTable, oodShare, formatOodTable, type OodTable, type OodDetector } from './trust/ood.js';
export { hallucinationCheck, regionFeatures, type HallucinationResult, type FeatureSupport, type OutputFeature } from './trust/hallucination.js';
export { hotspotTransplant, type TransplantResult, type TransplantOptions } from './trust/hotspot-transplant.js';
export { regressionFit, splitConformalIntervals, conformalisedQuantileIntervals, coverageShortfall, type RegressionFit, type ConformalIntervals, type IntervalOptions } from './trust/regression-intervals.js';
export { residualIntervalCalibration, quantileCalibration, miscalibrated, calibrationTolerance, NOMINAL_LEVELS, type CalibrationPoint } from './trust/interval-calibration.js';
export { hotspotOutputShift, type OutputShiftResult, type OutputShiftOptions, type ScaleShift } from './trust/regression-hotspot.js';
export { kFold, groupKFold, assignGroupsToFolds, holdOutSplit } from './trust/folds.js';
export type { Fold } from './trust/folds.js';
export { leakageCheck, leakageVerdict, tinyCnnRecipe, graphRecipe, LEAKAGE_DEFAULTS, TINY_CNN_RECIPE_DEFAULTS } from './trust/leakage.js';
export type { LeakageOptions, LeakageResult, LeakageProgress, SplitScores, FoldScore, TrainingRecipe, RecipeContext, SplitKind, TinyCnnRecipeOptions } from './trust/leakage.js';
export { confounderProbe, fitSoftmaxProbe, predictProbe, probeProbabilities, balancedAccuracy, CONFOUNDER_PROBE_DEFAULTS } from './trust/confounder-probe.js';
export type { ConfounderProbeOptions, ConfounderProbeResult, SoftmaxProbe, ProbeOptions } from './trust/confounder-probe.js';
export { foldSmoother, centroidScores, leastSquaresScores, outOfFoldPredictions, RIDGE_PROBE_DEFAULT, type FoldSmoother } from './trust/ridge-probe.js';
export { changePointTest, segmentSeries, CHANGE_POINT_DEFAULTS, type ChangePoint, type ChangePointOptions, type Segmentation as ChangePointSegmentation, type Segment } from './trust/change-point.js';
export { generateSpecimenSet, SPECIMEN_SET_DEFAULTS } from './data/synthetic/specimens.js';
export type { SpecimenSet, SpecimenSetOptions } from './data/synthetic/specimens.js';

// Tabular models and descriptors.
export { permutationImportance, SCORINGS } from './tabular/permutation-importance.js';
export type { PermutationImportance, Scoring } from './tabular/permutation-importance.js';
export { shapleyValues, shapleyFromValues, meanAbsoluteShapley } from './tabular/shapley.js';
export type { ShapleyResult } from './tabular/shapley.js';
export { correlationMatrix, correlatedGroups, CORRELATION_THRESHOLD, type CorrelatedGroups, type CorrelatedPair } from './tabular/correlated-groups.js';
export { LogisticRegression, standardisation, standardise } from './tabular/logistic-regression.js';
export { DecisionTree } from './tabular/decision-tree.js';
export { extractDescriptors, DESCRIPTOR_NAMES } from './tabular/descriptors.js';
export { explainViaDescriptors } from './tabular/surrogate.js';
export type { SurrogateExplanation } from './tabular/surrogate.js';
export type { TabularModel } from './tabular/table.js';

// The audit.
export { auditModel, auditJson, performanceLine, prepareAudit, runPreparedCheck, chosenChecks, assembleAudit, type AuditInput, type AuditOptions, type ModelAudit, type PreparedAudit } from './audit/audit.js';
export { auditedOutputs, checkQuantileLevels, type AuditedOutput } from './audit/regression-outputs.js';
export { REGRESSION_SHORTCUT_RULE } from './audit/regression-shortcut-check.js';
export { runDemoAudit, type DemoAuditResult } from './audit/demo-audit.js';
export { runDemoRemedy, remedyJson, REMEDY_DEFAULTS, type RemedyOptions } from './audit/remedy.js';
export { remedyModel, REMEDIES, type RemedyModelInput, type RemedySettings, type RemedyName, type RemedyResult } from './audit/remedy-model.js';
export { renderRemedyPage } from './report/remedy-page.js';
export { counterfactualAugmentation, eraseMasked, type CounterfactualOptions } from './training/counterfactual-augmentation.js';
// Instance flow: every instance's predicted class per epoch (training/), drawn by report/.
export { instanceFlowRecorder, predictionsOfCheckpoints, type InstanceSet, type InstanceFlowRecorder, type PredictionsPerEpoch, type RecordedInstance } from './training/instance-flow.js';
export { flowOfSet, largestFlows, flowTotalsByPair, describeFlow, predictionDistribution, recordedSets, type ClassFlow, type SetFlow, type LargestFlow } from './training/flow-table.js';
export { parsePredictionsFile, parsePredictionsJson, parsePredictionsCsv, predictionsJson, type PredictionsContext } from './training/predictions-file.js';
export { sankeyLayout, sankeySvg, type SankeyLayout } from './report/sankey.js';
export { flowSection, predictionDistributionChart } from './report/flow-section.js';
export { inputGradientPenaltyGraph, type InputGradientPenaltyGraph } from './models/input-gradient-penalty.js';
export type { Finding, Verdict } from './audit/findings.js';
export { CHECKS, CHECK_IDS, getCheck, type FindingId } from './audit/checks.js';
export { runCheck, groupingsOf, type Check, type CheckNeed, type CheckResult, type AuditContext, type NamedGrouping, type AcquisitionTime, type DescriptorTable } from './audit/check.js';
export { DRIFT_DEFAULTS } from './audit/drift-check.js';
export type { FigureData } from './audit/figure-data.js';
export { renderAuditPage } from './report/audit-page.js';
export { lineChart, barChart, histogram, reliabilityDiagram } from './report/charts.js';
export { bottomLine, type BottomLine } from './report/bottom-line.js';
export { colourBarSvg, type ColourBarOptions } from './report/colour-bar.js';

// What has the model learned? (concepts/)
export { twoSampleTTest, predictionTTest, studentTwoSidedP } from './concepts/t-test.js';
export { fitCav } from './concepts/linear-cav.js';
export { tcav, trainCavs, tcavScores, directionalScores, layerActivations, layerGradients } from './concepts/tcav.js';
export type { ConceptSet, TcavOptions, TcavResult, LayerCavs } from './concepts/tcav.js';
export { nmf, nmfTransform, reconstructionError } from './concepts/nmf.js';
export type { NmfOptions, NmfResult } from './concepts/nmf.js';
export { iceForClass, iceFidelity } from './concepts/ice.js';
export type { IceOptions, IceConcept, IceClassResult, FidelityPoint } from './concepts/ice.js';
export { conceptModelPurity, rankByClassProbability, reconstructFromConcepts } from './concepts/ice-concept-model.js';
export type { RankedImages } from './concepts/ice-concept-model.js';
export { modelTail } from './concepts/model-tail.js';
export { confusionMatrix, perClassAccuracy } from './concepts/confusion.js';
export { pca } from './concepts/pca.js';
export type { PcaResult } from './concepts/pca.js';
export { submodularPick, sparsify as sparsifyExplanations, coverage as explanationCoverage } from './concepts/submodular-pick.js';
export type { SubmodularPick, SubmodularPickOptions } from './concepts/submodular-pick.js';
export { symmetricEigen } from './tensor/symmetric-eigen.js';

// The browser workbench's sessions: explain or audit from file bytes, no Node APIs (web/).
export { explainDropped, parseMethodOptions, type ExplainRequest, type ExplainOutcome, type ExplainJson } from './web/explain-session.js';
export { auditDropped, type AuditRequest, type AuditOutcome } from './web/audit-session.js';
export { evaluateDropped, type EvaluateRequest, type EvaluateOutcome } from './web/evaluate-session.js';
export { readerForBytes, readDroppedArray, type NamedBytes } from './web/dropped-files.js';
export type { WorkbenchEnvironment } from './web/browser-provenance.js';

// Structure–property models (generative/structure-property/): im2spec, spec2im, the dual VAE.
export { plasmonicClusters, clusterSpectrum, inHeldOutRegion, DEFAULT_HELD_OUT, type PlasmonicClusters, type PlasmonicClusterOptions, type ClusterGeometry, type HeldOutRegion } from './data/synthetic/plasmonic-clusters.js';
export { im2specGraph, spec2imGraph, encoderCut, decoderCut, type StructurePropertyShape } from './generative/structure-property/architectures.js';
export { dualVaeTrainingGraph, dualVaeImageEncoder, dualVaeSpectrumEncoder, dualVaeImageDecoder, dualVaeSpectrumDecoder, DUAL_VAE, type DualVaeWeights, type DualVaeTraining } from './generative/structure-property/dual-vae.js';
export { imageEncoderTrunk, imageDecoderHead, denseStack, type ImageCodecShape } from './generative/encoder-decoder-blocks.js';
export { meanBaseline, nearestNeighbourBaseline, distanceFromTraining, radialProfiles, rowMse } from './generative/structure-property/baselines.js';
export { latentFactorTable, latentTraversals, predictiveDistribution, binnedMutualInformation, type LatentFactorTable, type Traversal, type PredictiveDistribution } from './generative/structure-property/latent-analysis.js';
export { spectralBandTarget, outputRegionTarget, binsInRange } from './attribution/common/output-band-target.js';
export { trainSummedLoss, type SummedLoss, type SummedLossResult } from './models/train-summed-loss.js';
export { subgraph, type CutValue } from './onnx/subgraph.js';
export { analyseLocalPrefix, planIncremental, type LocalPrefix, type LocalStep, type IncrementalPlan } from './onnx/local-prefix.js';
export { affectedOutputBox, inputRegion, windowGeometry, type Box, type WindowGeometry } from './onnx/affected-box.js';
export { IncrementalOcclusion, type IncrementalOcclusionOptions } from './models/incremental-occlusion.js';
export { runStructurePropertyStudy, type StructurePropertyResult, type StructurePropertyFigures, type StudyOptions } from './audit/structure-property/study.js';
export { pairedFromClusters, type PairedData } from './audit/structure-property/paired-data.js';
export { renderStructurePropertyPage } from './report/structure-property-page.js';

// Actionable knobs: a property regressor explained through material attributes (generative/knobs).
export { composeGraphs, type ComposeOptions } from './onnx/compose.js';
export { generateSemLots, renderSemTile, peakStress, peakStressSlopes, SEM_ATTRIBUTES, type SemLots, type SemLotsOptions } from './data/synthetic/sem-particles.js';
export { measureSemTile, measureSemTiles, fitCalibration, calibrate, type SemMeasurement, type Calibration } from './data/synthetic/sem-particles-measure.js';
export { propertyNet, knobEncoder, knobDecoder, withOutputScale, LATENT, ATTRIBUTES, type LatentStride } from './generative/knobs/knob-networks.js';
export { criticAugment, CRITIC_AUGMENTATION_DEFAULTS, type CriticAugmentation } from './generative/knobs/critic-augmentation.js';
export { trainKnobGenerator, type KnobGeneratorTraining, type KnobGeneratorResult } from './generative/knobs/train-knob-generator.js';
export { patchDiscriminator, discriminatorObjective, type DiscriminatorOptions } from './generative/knobs/knob-discriminator.js';
export { trainKnobsScenario, DEMO_SIZES, type KnobsScenario, type ScenarioSizes } from './generative/knobs/knobs-scenario.js';
export { explainKnobs, type KnobsInput, type KnobsOptions, type KnobsResult } from './generative/knobs/explain-knobs.js';
export { counterfactualSearch, COUNTERFACTUAL_DEFAULTS, type CounterfactualOptions as KnobCounterfactualOptions, type CounterfactualResult as KnobCounterfactualResult } from './generative/knobs/counterfactual.js';
export { editMatrix, criticInstrument, type EditMatrix, type AttributeInstrument } from './generative/knobs/entanglement.js';
export { runKnobsDemo, physicalInstrument } from './generative/knobs/knobs-demo.js';
export { knobsPage } from './report/knobs-page.js';

// Scale: all cores, then many machines (scale/)
export { itemSeed } from './scale/item-seed.js';
export { threadBudget, type ThreadBudget } from './scale/thread-budget.js';
export { ItemRows, type ItemResult, type ItemFailure } from './scale/item-rows.js';
export { runPool, type PoolRun } from './scale/pool.js';
export { servePoolJobs } from './scale/pool-thread.js';
export { runOnQueue, type QueueRun, type QueuedJob, type QueueSummary } from './scale/queue-client.js';
export { startQueueWorker, type QueueWorkerOptions, type RunningWorker } from './scale/queue-worker.js';
export { parseRedisUrl, redactUrl, redactCredentials, type RedisAddress } from './scale/redis-url.js';
export { encodeRecord, decodeRecord } from './scale/record-codec.js';
