/**
 * TF.js layers models (Keras topology JSON, `format: 'layers-model'`) → ONNX graph. Sequential
 * models are a chain; functional models ('Model'/'Functional') are walked call by call through
 * `inbound_nodes` (Keras 2 form, which TF.js writes), so branches, merges and shared layers work.
 * The ONNX input is [N, C, H, W] for an image model (TF's [N, H, W, C] with channels moved first,
 * see layout.ts) and [N, F] for a vector model.
 */
import { GraphEditor } from '../../../onnx/editor.js';
import type { Graph } from '../../../onnx/graph.js';
import { layerConverters, type LayerConfig, type LayerContext } from './keras-layers.js';
import { TfWriter, type TfValue } from './layout.js';
import type { DecodedWeight } from './weights.js';

interface KerasLayer {
  readonly class_name: string;
  readonly name?: string;
  readonly config: LayerConfig;
  readonly inbound_nodes?: unknown;
}

/** [layer, call index, tensor index] as Keras serialises connections. */
type Connection = readonly [string, number, number];

export interface TfjsReadOptions {
  /** [H, W] taken by an image input whose height and width the model leaves unknown (null). */
  readonly imageSize?: readonly [number, number];
}

function topologyConfig(topology: Record<string, unknown>, source: string): { className: string; config: Record<string, unknown> } {
  // Keras' model.to_json() is {class_name, config}; an .h5-converted model wraps it in model_config.
  const root = (topology.model_config ?? topology) as { class_name?: string; config?: unknown };
  if (typeof root.class_name !== 'string' || root.config === undefined) throw new Error(`${source}: modelTopology has no class_name/config; is this a TF.js layers model?`);
  const config = Array.isArray(root.config) ? { layers: root.config } : (root.config as Record<string, unknown>);
  if (!Array.isArray(config.layers)) throw new Error(`${source}: the ${root.class_name} model has no 'layers' list`);
  return { className: root.class_name, config };
}

function layerName(layer: KerasLayer): string {
  return String(layer.config?.name ?? layer.name ?? '');
}

/** The [N, …] input shape a layer config declares (Keras 2 batch_input_shape, Keras 3 batch_shape). */
function declaredInput(config: LayerConfig): (number | null)[] | undefined {
  const s = (config.batch_input_shape ?? config.batch_shape ?? (config.input_shape ? [null, ...(config.input_shape as number[])] : undefined)) as (number | null)[] | undefined;
  return Array.isArray(s) ? s : undefined;
}

function connections(raw: unknown, where: string): Connection[][] {
  if (!Array.isArray(raw)) return [];
  return raw.map((call) => {
    if (!Array.isArray(call)) throw new Error(`${where}: inbound_nodes in the Keras 3 form are not supported; save the model with TF.js or Keras 2 (tensorflowjs_converter)`);
    return call.map((c) => {
      if (!Array.isArray(c) || typeof c[0] !== 'string') throw new Error(`${where}: unreadable inbound connection ${JSON.stringify(c)}`);
      return [c[0], Number(c[1] ?? 0), Number(c[2] ?? 0)] as const;
    });
  });
}

class LayersConverter {
  readonly editor: GraphEditor;
  readonly writer: TfWriter;
  private readonly used = new Set<string>();

  constructor(
    name: string,
    private readonly weights: ReadonlyMap<string, DecodedWeight>,
    private readonly source: string,
    /** [H, W] for an input declared with unknown (null) height and width: the images' size. */
    private readonly imageSize?: readonly [number, number],
  ) {
    this.editor = new GraphEditor(name);
    this.writer = new TfWriter(this.editor);
  }

  /** The graph input for an InputLayer (or a Sequential model's first layer). */
  input(name: string, shape: (number | null)[] | undefined, where: string): TfValue {
    if (!shape) throw new Error(`${where}: the model declares no input shape (batch_input_shape)`);
    let dims = shape.slice(1);
    // A fully convolutional Keras model declares [null, null, null, C]: sized to the images when given.
    if (this.imageSize && dims.length === 3 && typeof dims[2] === 'number') dims = [dims[0] ?? this.imageSize[0], dims[1] ?? this.imageSize[1], dims[2]];
    if (dims.some((d) => typeof d !== 'number' || d <= 0)) throw new Error(`${where}: input shape ${JSON.stringify(shape)} must be static except for the batch; trustscope needs fixed image sizes`);
    const tf = dims as number[];
    if (tf.length === 3) {
      const [h, w, c] = tf;
      return { name: this.editor.input(name, ['N', c, h, w]), shape: [-1, h, w, c], channelsFirst: true };
    }
    if (tf.length === 1) return { name: this.editor.input(name, ['N', tf[0]]), shape: [-1, tf[0]], channelsFirst: false };
    throw new Error(`${where}: input shape ${JSON.stringify(shape)} is neither an image [N, H, W, C] nor a vector [N, F]`);
  }

  layer(layer: KerasLayer, inputs: readonly TfValue[]): TfValue {
    const name = layerName(layer);
    const where = `${this.source}: layer '${name}' (${layer.class_name})`;
    const convert = layerConverters[layer.class_name];
    if (!convert) {
      const nested = ['Sequential', 'Model', 'Functional'].includes(layer.class_name) ? ' (nested models: flatten the model before saving)' : '';
      throw new Error(`${where}: layer type '${layer.class_name}' is not supported${nested}; supported: ${Object.keys(layerConverters).join(', ')}`);
    }
    const lookup = (short: string) => {
      const exact = this.weights.get(`${name}/${short}`);
      if (exact) return exact;
      // Converted Keras models may prefix scopes ("model/conv1/kernel") or suffix ":0".
      const found = [...this.weights.values()].filter((w) => w.name.replace(/:0$/, '').endsWith(`/${name}/${short}`) || w.name === `${name}/${short}:0`);
      return found.length === 1 ? found[0] : undefined;
    };
    const ctx: LayerContext = {
      writer: this.writer,
      where,
      name,
      weight: (short) => {
        const w = lookup(short);
        if (!w) throw new Error(`${where}: weight '${name}/${short}' is missing from the weights manifest`);
        this.used.add(w.name);
        return w;
      },
      optionalWeight: (short) => {
        const w = lookup(short);
        if (w) this.used.add(w.name);
        return w;
      },
    };
    return convert(ctx, layer.config ?? {}, inputs);
  }

  finish(outputs: readonly TfValue[]): Graph {
    if (outputs.length !== 1) throw new Error(`${this.source}: the model has ${outputs.length} outputs; trustscope needs exactly one`);
    const out = this.writer.toTfOrder(outputs[0]);
    this.editor.output(out.name, ['N', ...out.shape.slice(1)]);
    return this.editor.build();
  }
}

function convertSequential(c: LayersConverter, layers: readonly KerasLayer[], source: string): Graph {
  let first = 0;
  let x: TfValue;
  if (layers[0]?.class_name === 'InputLayer') {
    x = c.input(layerName(layers[0]), declaredInput(layers[0].config), `${source}: layer '${layerName(layers[0])}'`);
    first = 1;
  } else {
    x = c.input('input', declaredInput(layers[0]?.config ?? {}), `${source}: layer '${layerName(layers[0] ?? { class_name: '', config: {} })}'`);
  }
  for (const layer of layers.slice(first)) x = c.layer(layer, [x]);
  return c.finish([x]);
}

function convertFunctional(c: LayersConverter, config: Record<string, unknown>, source: string): Graph {
  const layers = config.layers as KerasLayer[];
  const values = new Map<string, TfValue>();
  const key = (layer: string, call: number, tensor: number) => `${layer}\u0000${call}\u0000${tensor}`;
  // One entry per call of a layer (a shared layer is called more than once, maybe on its own output).
  const pending: { layer: KerasLayer; call: number; inputs: Connection[] }[] = [];
  for (const layer of layers) {
    const name = layerName(layer);
    const where = `${source}: layer '${name}' (${layer.class_name})`;
    if (layer.class_name === 'InputLayer') values.set(key(name, 0, 0), c.input(name, declaredInput(layer.config), where));
    else connections(layer.inbound_nodes, where).forEach((inputs, call) => pending.push({ layer, call, inputs }));
  }
  // Layers are stored in a valid order in practice; loop until nothing is left, to be safe.
  while (pending.length > 0) {
    const ready = pending.findIndex((p) => p.inputs.every(([l, n, t]) => values.has(key(l, n, t))));
    if (ready < 0) {
      const stuck = pending[0];
      throw new Error(`${source}: layer '${layerName(stuck.layer)}' reads a layer output that is never produced (inbound_nodes ${JSON.stringify(stuck.layer.inbound_nodes)})`);
    }
    const { layer, call, inputs } = pending.splice(ready, 1)[0];
    values.set(key(layerName(layer), call, 0), c.layer(layer, inputs.map(([l, n, t]) => values.get(key(l, n, t))!)));
  }
  const outs = (config.output_layers as unknown[] | undefined) ?? [];
  const list = Array.isArray(outs[0]) ? (outs as unknown[][]) : [outs];
  return c.finish(
    list.map((o) => {
      const v = values.get(key(String(o[0]), Number(o[1] ?? 0), Number(o[2] ?? 0)));
      if (!v) throw new Error(`${source}: output layer '${String(o[0])}' is not in the model`);
      return v;
    }),
  );
}

/** Converts a layers-model `modelTopology` with its decoded weights. */
export function layersModelToGraph(topology: Record<string, unknown>, weights: ReadonlyMap<string, DecodedWeight>, source: string, options: TfjsReadOptions = {}): Graph {
  const { className, config } = topologyConfig(topology, source);
  const c = new LayersConverter(String(config.name ?? 'tfjs-model'), weights, source, options.imageSize);
  if (className === 'Sequential') return convertSequential(c, config.layers as KerasLayer[], source);
  if (className === 'Model' || className === 'Functional') return convertFunctional(c, config, source);
  throw new Error(`${source}: model class '${className}' is not supported (Sequential, Model, Functional)`);
}
