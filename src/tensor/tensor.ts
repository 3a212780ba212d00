/** The one data type that crosses every layer: a dense float32 array in row-major (NCHW) order. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: readonly number[], data?: Float32Array | readonly number[]): Tensor {
  const n = sizeOf(shape);
  const values = data === undefined ? new Float32Array(n) : data instanceof Float32Array ? data : Float32Array.from(data);
  if (values.length !== n) {
    throw new Error(`tensor: shape [${shape.join(', ')}] needs ${n} values but got ${values.length}`);
  }
  return { shape: [...shape], data: values };
}

export function zeros(shape: readonly number[]): Tensor {
  return tensor(shape);
}

export function filled(shape: readonly number[], value: number): Tensor {
  return tensor(shape, new Float32Array(sizeOf(shape)).fill(value));
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Rows [start, end) of the leading (batch) dimension, sharing no memory with the source. */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const row = sizeOf(t.shape.slice(1));
  return tensor([end - start, ...t.shape.slice(1)], t.data.slice(start * row, end * row));
}

/** Row i as a tensor with a leading dimension of 1. */
export function row(t: Tensor, i: number): Tensor {
  return sliceRows(t, i, i + 1);
}

/** Concatenates tensors along the leading (batch) dimension. */
export function concatRows(parts: readonly Tensor[]): Tensor {
  if (parts.length === 0) throw new Error('concatRows: nothing to concatenate');
  const tail = parts[0].shape.slice(1);
  let rows = 0;
  for (const p of parts) {
    if (shapeToString(p.shape.slice(1)) !== shapeToString(tail)) {
      throw new Error(`concatRows: row shapes differ (${shapeToString(p.shape)} vs ${shapeToString(parts[0].shape)})`);
    }
    rows += p.shape[0];
  }
  const out = new Float32Array(rows * sizeOf(tail));
  let offset = 0;
  for (const p of parts) {
    out.set(p.data, offset);
    offset += p.data.length;
  }
  return tensor([rows, ...tail], out);
}

/** Gathers the given rows (by index) into a new tensor. */
export function takeRows(t: Tensor, indices: readonly number[]): Tensor {
  const rowSize = sizeOf(t.shape.slice(1));
  const out = new Float32Array(indices.length * rowSize);
  indices.forEach((r, k) => out.set(t.data.subarray(r * rowSize, (r + 1) * rowSize), k * rowSize));
  return tensor([indices.length, ...t.shape.slice(1)], out);
}

export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  if (sizeOf(shape) !== t.data.length) {
    throw new Error(`reshape: cannot view ${shapeToString(t.shape)} as ${shapeToString(shape)}`);
  }
  return { shape: [...shape], data: t.data };
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** Row-wise argmax of a [N, K] tensor. */
export function argmaxRows(t: Tensor): number[] {
  const [n, k] = t.shape;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (t.data[i * k + j] > t.data[i * k + best]) best = j;
    out.push(best);
  }
  return out;
}

/** Row-wise softmax of a [N, K] tensor (numerically stable). */
export function softmaxRows(t: Tensor): Tensor {
  const [n, k] = t.shape;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, t.data[i * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += (out[i * k + j] = Math.exp(t.data[i * k + j] - max));
    for (let j = 0; j < k; j++) out[i * k + j] /= sum;
  }
  return tensor([n, k], out);
}

/** One-hot cotangent [N, K] selecting target[i] in row i. */
export function oneHot(targets: readonly number[], classes: number): Tensor {
  const out = new Float32Array(targets.length * classes);
  targets.forEach((t, i) => {
    out[i * classes + t] = 1;
  });
  return tensor([targets.length, classes], out);
}
