/**
 * Float32 rows through JSON (BullMQ payloads and return values are JSON strings in Redis): the raw
 * little-endian bytes as base64, so a value survives the trip bit for bit (decimal text would not
 * for every float, and is three times larger).
 */
export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloat32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) throw new Error(`a float32 payload of ${bytes.byteLength} bytes is not whole floats`);
  // Copy into an aligned buffer: Buffer.from may return a view into a shared pool at any offset.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
