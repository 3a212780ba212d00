/**
 * Runs a graph with several row-aligned inputs (a generator's z and attributes, a composed R∘G)
 * over all rows in batches, and concatenates each fetched output. OnnxModel batches single-input
 * models; the knobs' graphs take two inputs, so they batch here.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { concatRows, sliceRows } from '../../tensor/tensor.js';
import type { Graph } from '../../onnx/graph.js';
import { createSession, type Session } from '../../onnx/runtime.js';

export async function runRows(session: Session, feeds: Readonly<Record<string, Tensor>>, fetches: readonly string[], batch = 64): Promise<Record<string, Tensor>> {
  const sizes = Object.values(feeds).map((t) => t.shape[0]);
  const n = sizes[0];
  if (sizes.some((s) => s !== n)) throw new Error(`runRows: inputs have different row counts (${sizes.join(', ')})`);
  const parts: Record<string, Tensor[]> = Object.fromEntries(fetches.map((f) => [f, []]));
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, sliceRows(t, start, end)])), fetches);
    for (const f of fetches) parts[f].push(out[f]);
  }
  return Object.fromEntries(fetches.map((f) => [f, concatRows(parts[f])]));
}

/** One-shot: a session for `graph`, its first output over all rows, the session released. */
export async function runGraphRows(graph: Graph, feeds: Readonly<Record<string, Tensor>>, batch = 64): Promise<Tensor> {
  const session = await createSession(graph);
  try {
    const name = graph.outputs[0].name;
    return (await runRows(session, feeds, [name], batch))[name];
  } finally {
    await session.release();
  }
}
