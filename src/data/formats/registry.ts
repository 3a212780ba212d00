/**
 * Input files → arrays, through one function. Every command reads images, masks and labels with
 * `readArrayFile`, so a format added here (one reader file, one line below) works everywhere at once.
 * The reader is chosen by the file's first bytes; the extension decides only when no signature
 * matches (formats without one), and a mismatch between the two is reported, not guessed around.
 */
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { fsErrorReason, readBytes } from '../../io/atomic-write.js';
import type { ImageArray, Reader } from './reader.js';
import { npyReader } from './npy-reader.js';
import { pngReader } from './png-reader.js';
import { dmReader } from './dm-reader.js';
import { tiffReader } from './tiff.js';
import { mrcReader } from './mrc.js';
import { serReader } from './ser.js';
import { emdReader } from './emd.js';
import { jpegReader } from './jpeg.js';

// One line per reader; a file's first bytes choose among them, its extension only when none sniffs it.
export const readers: readonly Reader[] = [npyReader, pngReader, dmReader, tiffReader, mrcReader, serReader, emdReader, jpegReader];

const HEAD_BYTES = 512;

async function head(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${fsErrorReason(e)}`);
  }
  try {
    const buffer = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${fsErrorReason(e)}`);
  } finally {
    await handle.close();
  }
}

function supported(): string {
  return readers.map((r) => `${r.name} (${r.extensions.join(', ')})`).join(', ');
}

/** The reader for a file, by content then extension; a one-line error when none fits. */
export async function readerFor(path: string): Promise<Reader> {
  const bytes = await head(path);
  const ext = extname(path).toLowerCase();
  const bySignature = readers.find((r) => r.sniff(bytes));
  if (bySignature) return bySignature;
  const byExtension = readers.find((r) => r.extensions.includes(ext));
  if (byExtension) {
    if (bytes.length === 0) throw new Error(`${path} is empty`);
    throw new Error(`${path} has the extension ${ext} but does not start like a ${byExtension.name} file; is it truncated or mislabelled?`);
  }
  throw new Error(`${path}: unknown file format${ext ? ` '${ext}'` : ''}; trustscope reads ${supported()}`);
}

export async function readArrayFile(path: string): Promise<ImageArray> {
  const reader = await readerFor(path);
  return reader.read(await readBytes(path), path);
}
