/**
 * A SHA-256 of everything `encodeModel` writes, computed from the in-memory graph without encoding
 * it: the key of the optimised-graph store (optimized-graph-store.ts). Encoding ResNet-18's 85 MB
 * backward graph costs about twice as much CPU as hashing it (bench/session-cost.ts), and a store hit
 * skips both the encoding and ORT's optimisation.
 *
 * Exact by construction: two graphs with the same fingerprint encode to the same bytes. Every field
 * encodeModel reads is hashed — names, op types, domains, inputs and outputs in order, attributes
 * (floats with their sign of zero), value infos, initializers in order with their raw bytes, the
 * opset — and so is the encoder's own source (proto.ts), whose constants (IR version, producer) are in the bytes too.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Attribute, Graph, TensorValue } from './graph.js';
import { ENCODER_SOURCE } from './proto.js';

/** Numbers as JSON writes them, except that -0 stays distinct from 0 (float attributes are encoded with their sign). */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Object.is(value, -0) ? '-0' : value;
}

function hashTensor(hash: Hash, t: TensorValue): void {
  hash.update(JSON.stringify([t.dataType, t.dims, t.data.constructor.name, t.data.length]));
  hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function hashAttribute(hash: Hash, name: string, a: Attribute): void {
  if (a.type === 'tensor') {
    hash.update(JSON.stringify(['attr', name, 'tensor']));
    hashTensor(hash, a.value);
  } else hash.update(JSON.stringify(['attr', name, a.type, a.value], replacer));
}

/** Hex SHA-256 of the graph's content; `extra` (runtime settings) is hashed in front. */
export function graphFingerprint(graph: Graph, extra = ''): string {
  const hash = createHash('sha256');
  hash.update(`${extra}\n${ENCODER_SOURCE}\n`);
  hash.update(JSON.stringify([graph.name, graph.opsetVersion, graph.inputs, graph.outputs], replacer));
  for (const n of graph.nodes) {
    hash.update(JSON.stringify(['node', n.name, n.opType, n.domain, n.inputs, n.outputs, Object.keys(n.attributes).length]));
    for (const [k, a] of Object.entries(n.attributes)) hashAttribute(hash, k, a);
  }
  for (const [name, t] of graph.initializers) {
    hash.update(JSON.stringify(['init', name]));
    hashTensor(hash, t);
  }
  return hash.digest('hex');
}

/** Bytes of the graph's constants (initializers): what decides whether storing its optimised form pays. */
export function constantBytes(graph: Graph): number {
  let total = 0;
  for (const t of graph.initializers.values()) total += t.data.byteLength;
  return total;
}
