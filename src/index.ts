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
export { buildGradientGraph } from './onnx/autodiff/gradient.js';
export type { GradientSpec, GradientGraph } from './onnx/autodiff/gradient.js';
export { vjpRules } from './onnx/autodiff/rules.js';
export { configureRuntime, createSession } from './onnx/runtime.js';

export type { Model, ParameterChange, ParameterInfo, LayerInfo, OnnxModelOptions } from './models/model.js';
export { OnnxModel } from './models/model.js';
export { trainClassifier, accuracy } from './models/train.js';
export type { TrainOptions, TrainResult } from './models/train.js';
export { withSoftmax } from './models/transforms.js';
export { loadOnnxModel, readOnnxGraph, saveOnnxGraph } from './models/import/onnx-file.js';
export { tinyCnn } from './models/zoo/tiny-cnn.js';

export type { Dataset } from './data/dataset.js';
export { generateEmDefects, cornerMask, paintArtifact } from './data/synthetic/em-defects.js';
export type { EmDefectOptions, EmDefectSet } from './data/synthetic/em-defects.js';
export { readNpy, writeNpy, parseNpy, encodeNpy } from './data/formats/npy.js';
export { readPng, decodePngBytes } from './data/formats/png.js';

export type { Explainer, ExplainOptions, Attribution, Target } from './attribution/explainer.js';
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
export { relativeL2, pearson } from './tensor/compare.js';
