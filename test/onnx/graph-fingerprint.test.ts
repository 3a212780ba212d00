import { describe, expect, it } from 'vitest';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { attr, floatTensorValue, type Graph, type Node } from '../../src/onnx/graph.js';
import { constantBytes, graphFingerprint } from '../../src/onnx/graph-fingerprint.js';
import { encodeModel } from '../../src/onnx/proto.js';

function withNode(graph: Graph, i: number, change: (n: Node) => Node): Graph {
  return { ...graph, nodes: graph.nodes.map((n, j) => (j === i ? change(n) : n)) };
}

describe('graphFingerprint', () => {
  it('is the same for graphs that encode to the same bytes, built separately', () => {
    const a = tinyCnn({ seed: 5 });
    const b = tinyCnn({ seed: 5 });
    expect(Buffer.from(encodeModel(a)).equals(Buffer.from(encodeModel(b)))).toBe(true);
    expect(graphFingerprint(a)).toBe(graphFingerprint(b));
    expect(graphFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with anything encodeModel writes: a weight, an attribute, a name, an output, the opset, the settings', () => {
    const g = tinyCnn({ seed: 5 });
    const base = graphFingerprint(g);
    const [name, w] = [...g.initializers][0];
    const data = Float32Array.from(w.data as Float32Array);
    data[data.length - 1] = Math.fround(data[data.length - 1] + 1e-6) === data[data.length - 1] ? data[data.length - 1] * 2 : data[data.length - 1] + 1e-6;
    const variants: Graph[] = [
      { ...g, initializers: new Map([...g.initializers].map(([k, v]) => [k, k === name ? floatTensorValue(w.dims, data) : v])) },
      withNode(g, g.nodes.findIndex((n) => n.opType === 'MaxPool'), (n) => ({ ...n, attributes: { ...n.attributes, strides: attr.ints([1, 1]) } })),
      withNode(g, 0, (n) => ({ ...n, name: `${n.name}_renamed` })),
      { ...g, outputs: [...g.outputs, { name: g.nodes[0].outputs[0], dataType: g.outputs[0].dataType }] },
      { ...g, opsetVersion: g.opsetVersion + 1 },
    ];
    const prints = variants.map((v) => graphFingerprint(v));
    prints.push(graphFingerprint(g, 'threads 2'));
    expect(new Set([base, ...prints]).size).toBe(prints.length + 1);
  });

  it('tells -0 from 0 in a float attribute (the encoder writes the sign)', () => {
    const g = tinyCnn({ seed: 5 });
    const set = (v: number) => withNode(g, 0, (n) => ({ ...n, attributes: { ...n.attributes, alpha: attr.float(v) } }));
    expect(graphFingerprint(set(0))).not.toBe(graphFingerprint(set(-0)));
    expect(Buffer.from(encodeModel(set(0))).equals(Buffer.from(encodeModel(set(-0))))).toBe(false);
  });

  it('constantBytes sums the initializers', () => {
    const g = tinyCnn({ seed: 5 });
    expect(constantBytes(g)).toBe([...g.initializers.values()].reduce((s, t) => s + t.data.byteLength, 0));
    expect(constantBytes(g)).toBeGreaterThan(0);
  });
});
