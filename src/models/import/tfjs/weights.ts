/**
 * TF.js weights manifests: `weightsManifest` is a list of groups, each naming its shard files
 * (`paths`, read in order and concatenated) and the weights packed in them back to back. A weight is
 * stored as its own dtype (float32, int32, bool) or quantized: uint8/uint16 codes q with
 * value = q·scale + min (rounded for int32 weights), or float16. Decoding follows tfjs-core's
 * io_utils.decodeWeights, including computing q·scale + min in double precision before the float32
 * store, so dequantized weights equal the ones TF.js itself runs with, bit for bit.
 */

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number };
}

export interface WeightGroup {
  readonly paths: readonly string[];
  readonly weights: readonly WeightSpec[];
}

export interface DecodedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly data: Float32Array | Int32Array | Uint8Array;
}

const STORED_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** IEEE half → float32 (subnormals, infinities and NaN included). */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function little(bytes: Uint8Array, offset: number, count: number, width: 1 | 2 | 4, kind: 'u' | 'i' | 'f'): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * width);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const at = i * width;
    if (width === 1) out[i] = view.getUint8(at);
    else if (width === 2) out[i] = view.getUint16(at, true);
    else out[i] = kind === 'f' ? view.getFloat32(at, true) : view.getInt32(at, true);
  }
  return out;
}

function decodeOne(spec: WeightSpec, bytes: Uint8Array, offset: number, source: string): DecodedWeight {
  const count = sizeOf(spec.shape);
  const q = spec.quantization;
  const where = `${source}: weight '${spec.name}'`;
  if (q) {
    if (q.dtype === 'float16') {
      if (spec.dtype !== 'float32') throw new Error(`${where} is float16-quantized but of type ${spec.dtype}; only float32 weights can be`);
      return { name: spec.name, shape: spec.shape, dtype: 'float32', data: Float32Array.from(little(bytes, offset, count, 2, 'u'), float16ToFloat32) };
    }
    if (q.dtype !== 'uint8' && q.dtype !== 'uint16') throw new Error(`${where} has unknown quantization dtype '${q.dtype}' (TF.js knows uint8, uint16, float16)`);
    if (typeof q.scale !== 'number' || typeof q.min !== 'number') throw new Error(`${where} is ${q.dtype}-quantized without its scale and min`);
    const codes = little(bytes, offset, count, q.dtype === 'uint8' ? 1 : 2, 'u');
    const { scale, min } = q as { scale: number; min: number };
    if (spec.dtype === 'float32') return { name: spec.name, shape: spec.shape, dtype: 'float32', data: Float32Array.from(codes, (c) => c * scale + min) };
    if (spec.dtype === 'int32') return { name: spec.name, shape: spec.shape, dtype: 'int32', data: Int32Array.from(codes, (c) => Math.round(c * scale + min)) };
    throw new Error(`${where} of type ${spec.dtype} cannot be quantized`);
  }
  if (spec.dtype === 'float32') return { name: spec.name, shape: spec.shape, dtype: 'float32', data: Float32Array.from(little(bytes, offset, count, 4, 'f')) };
  if (spec.dtype === 'int32') return { name: spec.name, shape: spec.shape, dtype: 'int32', data: Int32Array.from(little(bytes, offset, count, 4, 'i')) };
  if (spec.dtype === 'bool') return { name: spec.name, shape: spec.shape, dtype: 'bool', data: bytes.slice(offset, offset + count) };
  throw new Error(`${where} has dtype '${spec.dtype}', which trustscope cannot use (float32, int32, bool)`);
}

function storedBytes(spec: WeightSpec, source: string): number {
  const kind = spec.quantization?.dtype ?? spec.dtype;
  const width = STORED_BYTES[kind];
  if (width === undefined) throw new Error(`${source}: weight '${spec.name}' is stored as '${kind}', which trustscope cannot read (float32, int32, bool, uint8, uint16, float16)`);
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${source}: weight '${spec.name}' has an invalid shape ${JSON.stringify(spec.shape)}`);
  return sizeOf(spec.shape) * width;
}

/**
 * Decodes every weight of the manifest; `shards(path)` returns the bytes of one shard file named in
 * the manifest. Sizes are checked against the bytes read, so a truncated or mismatched shard is a
 * one-line error naming the group's files rather than garbage weights.
 */
export async function decodeWeights(manifest: readonly WeightGroup[], shards: (path: string) => Promise<Uint8Array>, source: string): Promise<Map<string, DecodedWeight>> {
  if (!Array.isArray(manifest)) throw new Error(`${source}: 'weightsManifest' must be a list of weight groups`);
  const out = new Map<string, DecodedWeight>();
  for (const group of manifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new Error(`${source}: every weightsManifest group needs 'paths' and 'weights' lists`);
    const parts = await Promise.all(group.paths.map((p: string) => shards(p)));
    const total = parts.reduce((a, p) => a + p.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    let offset = 0;
    for (const spec of group.weights) {
      const size = storedBytes(spec, source);
      if (offset + size > total) {
        throw new Error(`${source}: weight '${spec.name}' needs bytes ${offset}..${offset + size} but the shards ${group.paths.join(', ')} hold ${total}; are they the files this model.json was saved with?`);
      }
      out.set(spec.name, decodeOne(spec, bytes, offset, source));
      offset += size;
    }
    if (offset !== total) throw new Error(`${source}: the shards ${group.paths.join(', ')} hold ${total} bytes but the manifest describes ${offset}; are they the files this model.json was saved with?`);
  }
  return out;
}
