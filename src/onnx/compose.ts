/**
 * Composes two ONNX graphs into one: some run-time inputs of `second` are wired to outputs of
 * `first`, so that the autodiff can differentiate straight through both (R∘G for the knobs, C∘G to
 * train an attribute-conditioned generator, G∘E to reconstruct). `second`'s names (values, nodes,
 * initializers) get a prefix so that two graphs exported by the same tool — both with an `input`
 * and a `conv1.weight` — never collide. Its unwired inputs stay inputs of the composed graph under
 * their own names (a graph input is the user's handle, so it keeps its name), unless one collides
 * with a name of `first`, which is refused: rename it before composing.
 */
import type { Attribute, Graph, Node, TensorValue, ValueInfo } from './graph.js';
import { definedValues, runtimeInputs } from './graph.js';

export interface ComposeOptions {
  /** Input of `second` → output (or any value) of `first` that feeds it. */
  readonly links: Readonly<Record<string, string>>;
  /** Prefix for `second`'s inner names (default: `<second.name>/`). */
  readonly prefix?: string;
  /** Values of `first` to keep as outputs of the composed graph, after `second`'s outputs. */
  readonly keep?: readonly string[];
  /** Name of the composed graph (default `<first.name>∘<second.name>`… spelt `second_of_first`). */
  readonly name?: string;
}

export function composeGraphs(first: Graph, second: Graph, options: ComposeOptions): Graph {
  const { links, keep = [] } = options;
  const prefix = options.prefix ?? `${second.name}/`;
  if (first.opsetVersion !== second.opsetVersion) {
    throw new Error(`compose: '${first.name}' uses opset ${first.opsetVersion} but '${second.name}' opset ${second.opsetVersion}; export both with the same opset_version`);
  }
  const firstValues = definedValues(first);
  const secondInputs = new Map(runtimeInputs(second).map((i) => [i.name, i]));
  for (const [input, source] of Object.entries(links)) {
    if (!secondInputs.has(input)) throw new Error(`compose: '${second.name}' has no run-time input '${input}' (it has ${[...secondInputs.keys()].join(', ')})`);
    if (!firstValues.has(source)) throw new Error(`compose: '${first.name}' has no value '${source}' to feed '${input}'`);
  }
  for (const v of keep) if (!firstValues.has(v)) throw new Error(`compose: '${first.name}' has no value '${v}' to keep`);

  const unwired = [...secondInputs.values()].filter((i) => !(i.name in links));
  for (const i of unwired) {
    if (firstValues.has(i.name)) throw new Error(`compose: input '${i.name}' of '${second.name}' has the same name as a value of '${first.name}'; rename one before composing`);
  }
  const unwiredNames = new Set(unwired.map((i) => i.name));
  const rename = (v: string): string => {
    if (v === '') return v;
    if (v in links) return links[v];
    if (unwiredNames.has(v)) return v;
    return prefix + v;
  };
  const taken = new Set([...firstValues, ...unwiredNames]);
  for (const v of definedValues(second)) {
    const r = rename(v);
    if (!(v in links) && !unwiredNames.has(v) && taken.has(r)) throw new Error(`compose: prefix '${prefix}' still collides at '${r}'; choose another prefix`);
  }

  const nodes: Node[] = [
    ...first.nodes,
    ...second.nodes.map((n) => ({
      ...n,
      name: prefix + n.name,
      inputs: n.inputs.map(rename),
      outputs: n.outputs.map(rename),
      attributes: n.attributes as Readonly<Record<string, Attribute>>,
    })),
  ];
  const initializers = new Map<string, TensorValue>(first.initializers);
  for (const [k, v] of second.initializers) initializers.set(rename(k), v);
  const inputs: ValueInfo[] = [...first.inputs, ...unwired];
  const keptOutputs: ValueInfo[] = keep.map((v) => first.outputs.find((o) => o.name === v) ?? { name: v, dataType: 1 });
  const outputs: ValueInfo[] = [...second.outputs.map((o) => ({ ...o, name: rename(o.name) })), ...keptOutputs];
  return { name: options.name ?? `${second.name}_of_${first.name}`, nodes, inputs, outputs, initializers, opsetVersion: first.opsetVersion };
}
