/**
 * A dropped .onnx file → the Model, as the CLI's loadModelForImages does it (cli/model-for-images.ts)
 * but from bytes: a model exported with symbolic H/W is specialised to the size of the first image
 * (the autodiff needs static shapes). TF.js models (a model.json plus weight files) are not taken
 * here: convert them once with `trustscope convert`.
 */
import { runtimeInputs } from '../onnx/graph.js';
import { symbolicInputAxes, withInputShape } from '../onnx/input-shape.js';
import { decodeModel } from '../onnx/proto.js';
import { OnnxModel, type OnnxModelOptions } from '../models/model.js';
import type { NamedBytes } from './dropped-files.js';
import { imageSizeOf } from './image-batch.js';

export async function loadDroppedModel(model: NamedBytes, firstImage: NamedBytes | undefined, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  if (!model.name.toLowerCase().endsWith('.onnx')) {
    throw new Error(`${model.name} is not an .onnx file; the workbench takes ONNX models (convert a TF.js model.json with 'trustscope convert')`);
  }
  try {
    let graph = decodeModel(model.bytes, model.name);
    if (symbolicInputAxes(graph).length > 0) {
      if (!firstImage) throw new Error('the model has a dynamic input size (H, W); add the images so it can be sized to them');
      const declared = runtimeInputs(graph)[0].shape ?? [];
      const channels = typeof declared[1] === 'number' && declared[1] > 0 ? declared[1] : undefined;
      graph = withInputShape(graph, await imageSizeOf(firstImage, channels));
    }
    return new OnnxModel(graph, options);
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    throw new Error(message.includes(model.name) ? message : `${model.name}: ${message}`);
  }
}
