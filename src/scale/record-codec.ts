/**
 * Any JSON-like record (an audit finding with its figure tensors and evidence) through a JSON
 * string and back, bit for bit: typed arrays travel as their raw bytes in base64 (decimal text would
 * round some floats), and NaN/±Infinity, which JSON turns into null, travel as tagged strings. The
 * worker threads use it too, so a pooled and a queued run return the same bytes.
 */
import { decodeFloat32, encodeFloat32 } from './row-codec.js';

const F32 = '$f32';
const F64 = '$f64';
const NUM = '$num';

export function encodeRecord(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Float32Array) return { [F32]: encodeFloat32(v) };
    if (v instanceof Float64Array) return { [F64]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (ArrayBuffer.isView(v)) throw new Error(`a record holds a ${v.constructor.name}, which the record codec does not carry; use Float32Array or Float64Array`);
    if (typeof v === 'number' && !Number.isFinite(v)) return { [NUM]: String(v) };
    return v;
  });
}

export function decodeRecord(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.length !== 1) return v;
    const tagged = (v as Record<string, unknown>)[keys[0]];
    if (typeof tagged !== 'string') return v;
    if (keys[0] === F32) return decodeFloat32(tagged);
    if (keys[0] === F64) {
      const bytes = Buffer.from(tagged, 'base64');
      const out = new Float64Array(bytes.byteLength / 8);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    if (keys[0] === NUM) return Number(tagged);
    return v;
  });
}
