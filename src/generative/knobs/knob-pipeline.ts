/**
 * The explanation's view of the models: E encodes each tile once (z), then R∘G maps (z, A) to a
 * prediction and the synthesised tile. The counterfactual's graph adds Eq. 2's two terms as
 * outputs — (R(G(z, A)) − p')² and (G(z, A) − I)² — and their gradient w.r.t. the attribute input,
 * so one ONNX Runtime call per iteration returns the objective and ∂objective/∂A (the autodiff
 * differentiates through R and G; any pair that composes works).
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Graph } from '../../onnx/graph.js';
import { runtimeInputs } from '../../onnx/graph.js';
import { composeGraphs } from '../../onnx/compose.js';
import { GraphEditor } from '../../onnx/editor.js';
import { buildGradientGraph } from '../../onnx/autodiff/gradient.js';
import { createSession, type Session } from '../../onnx/runtime.js';
import { ATTRIBUTES, LATENT } from './knob-networks.js';
import { runGraphRows, runRows } from './run-batched.js';

export interface KnobModels {
  /** Tile → property, [N, 1]. */
  regressor: Graph;
  /** Tile → z. */
  encoder: Graph;
  /** (z, attributes) → tile. */
  decoder: Graph;
  /** Tile → attributes (optional: editing accuracy and entanglement by C). */
  critic?: Graph;
}

/** The single run-time input of a one-input graph (R, C, E). */
export function onlyInput(graph: Graph, role: string): string {
  const inputs = runtimeInputs(graph);
  if (inputs.length !== 1) throw new Error(`the ${role} must take one input (it takes ${inputs.map((i) => i.name).join(', ') || 'none'})`);
  return inputs[0].name;
}

/** Checks the generator contract: E outputs z; G takes z and attributes [N, k] and returns a tile of R's input shape. */
export function checkKnobModels(models: KnobModels, attributeCount: number): void {
  const g = runtimeInputs(models.decoder).map((i) => i.name).sort();
  if (g.join() !== [ATTRIBUTES, LATENT].sort().join()) throw new Error(`the generator must take exactly two inputs named '${LATENT}' and '${ATTRIBUTES}' (it takes ${g.join(', ')}); rename them at export`);
  if (models.encoder.outputs[0]?.name !== LATENT) throw new Error(`the encoder's first output must be named '${LATENT}' (it is '${models.encoder.outputs[0]?.name}'); rename it at export`);
  const a = models.decoder.inputs.find((i) => i.name === ATTRIBUTES)!;
  const k = a.shape?.[1];
  if (typeof k === 'number' && k !== attributeCount) throw new Error(`the generator takes ${k} attributes but ${attributeCount} names were given; give one name per attribute (--attributes)`);
  onlyInput(models.regressor, 'regressor');
  onlyInput(models.encoder, 'encoder');
}

/** z for every tile. */
export async function encodeTiles(encoder: Graph, images: Tensor): Promise<Tensor> {
  return runGraphRows(encoder, { [onlyInput(encoder, 'encoder')]: images });
}

/** R∘G: inputs z and attributes; outputs the prediction [N, 1] and the synthesised tile. */
export function regressorOfGenerator(models: KnobModels): { graph: Graph; prediction: string; image: string } {
  const image = models.decoder.outputs[0].name;
  const graph = composeGraphs(models.decoder, models.regressor, { links: { [onlyInput(models.regressor, 'regressor')]: image }, prefix: 'regressor/', keep: [image] });
  return { graph, prediction: graph.outputs[0].name, image };
}

/** A session over R∘G returning predictions and tiles for (z, A) rows. */
export class KnobForward {
  private constructor(
    private readonly session: Session,
    private readonly prediction: string,
    private readonly image: string,
  ) {}

  static async create(models: KnobModels): Promise<KnobForward> {
    const { graph, prediction, image } = regressorOfGenerator(models);
    return new KnobForward(await createSession(graph), prediction, image);
  }

  async run(z: Tensor, attributes: Tensor): Promise<{ prediction: Tensor; image: Tensor }> {
    const out = await runRows(this.session, { [LATENT]: z, [ATTRIBUTES]: attributes }, [this.prediction, this.image]);
    return { prediction: out[this.prediction], image: out[this.image] };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export interface CounterfactualGraph {
  graph: Graph;
  /** Inputs fed besides z and attributes. */
  reference: string;
  target: string;
  /** Outputs: squared prediction error [N, 1], squared pixel error [N, C, H, W], the prediction. */
  predictionSquared: string;
  imageSquared: string;
  prediction: string;
  /** Cotangent inputs of the two squared terms, and the gradient output w.r.t. the attributes. */
  cotangents: readonly [string, string];
  attributeGradient: string;
}

/** Eq. 2's objective and its gradient w.r.t. A as one graph. */
export function counterfactualGraph(models: KnobModels): CounterfactualGraph {
  const { graph, prediction, image } = regressorOfGenerator(models);
  const editor = GraphEditor.from(graph);
  const imageInfo = models.decoder.outputs[0];
  const reference = editor.input('reference_image', imageInfo.shape ?? ['N']);
  const target = editor.input('target_prediction', ['N', 1]);
  const pd = editor.op('Sub', [prediction, target], {}, 'prediction_error');
  const predictionSquared = editor.op('Mul', [pd, pd], {}, 'prediction_squared');
  const id = editor.op('Sub', [image, reference], {}, 'image_change');
  const imageSquared = editor.op('Mul', [id, id], {}, 'image_squared');
  const grads = buildGradientGraph(editor.build(), { outputs: [predictionSquared, imageSquared], wrt: [ATTRIBUTES], keep: [predictionSquared, imageSquared, prediction] });
  return {
    graph: grads.graph,
    reference,
    target,
    predictionSquared,
    imageSquared,
    prediction,
    cotangents: [grads.cotangents[0], grads.cotangents[1]],
    attributeGradient: grads.gradients[0],
  };
}
