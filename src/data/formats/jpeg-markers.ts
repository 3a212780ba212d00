/**
 * The JPEG marker segments up to the first scan, read before any pixel is decoded: the frame header
 * (SOFn: coding process, precision, size, components), the JFIF and Adobe segments (pixel density,
 * colour transform) and the comments. This is where trustscope decides what it refuses — the
 * decoder (jpeg-js) silently misreads several variants instead of failing:
 * - 12-bit and 16-bit precision (SOF1 with P = 12, lossless): jpeg-js clamps every sample to 8 bits;
 * - arithmetic coding (SOF9–SOF15, DAC): jpeg-js does not implement it;
 * - lossless (SOF3) and hierarchical (SOF5–SOF7) processes;
 * - CMYK / YCCK (4 components) and 2-component files: not an intensity image;
 * - a height of 0 (defined later by a DNL marker): jpeg-js would decode an empty image.
 *
 * Segment layout (ITU-T T.81, B.1.1): 0xFF, marker byte, then for every marker except SOI, EOI,
 * RSTn and TEM a big-endian uint16 length that counts itself but not the marker.
 */
import { FormatError } from './reader.js';

export interface JpegComponent {
  readonly id: number;
  readonly h: number;
  readonly v: number;
}

export interface JpegHeader {
  readonly process: 'baseline' | 'extended' | 'progressive';
  readonly precision: number;
  readonly height: number;
  readonly width: number;
  readonly components: readonly JpegComponent[];
  /** JFIF APP0: density units (0 none/aspect ratio, 1 dots per inch, 2 dots per cm) and densities. */
  readonly jfif?: { readonly version: string; readonly units: number; readonly xDensity: number; readonly yDensity: number };
  /** Adobe APP14 transform: 0 none (RGB/CMYK as stored), 1 YCbCr, 2 YCCK. */
  readonly adobeTransform?: number;
  readonly comments: readonly string[];
  /** Byte offset of the first SOS marker (where the entropy-coded data begins). */
  readonly scanOffset: number;
}

const PROCESS: Readonly<Record<number, JpegHeader['process']>> = { 0xc0: 'baseline', 0xc1: 'extended', 0xc2: 'progressive' };

/** Why a frame type is refused, by SOF marker byte. */
function refusedProcess(marker: number): string | undefined {
  if (marker === 0xc3) return 'lossless JPEG (SOF3)';
  if (marker >= 0xc5 && marker <= 0xc7) return `hierarchical JPEG (SOF${marker - 0xc0})`;
  if ((marker >= 0xc9 && marker <= 0xcb) || (marker >= 0xcd && marker <= 0xcf)) return `arithmetic-coded JPEG (SOF${marker - 0xc0})`;
  return undefined;
}

const FIX = 'convert it to an 8-bit greyscale or RGB baseline/progressive JPEG, or better to TIFF or PNG';

export function isJpeg(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
}

const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

export function readJpegHeader(bytes: Uint8Array, source: string): JpegHeader {
  if (!isJpeg(bytes)) throw new FormatError(source, 'not a JPEG file (no SOI marker 0xFFD8)', 'byte 0');
  const u16 = (at: number) => (bytes[at] << 8) | bytes[at + 1];
  let frame: Omit<JpegHeader, 'jfif' | 'adobeTransform' | 'comments' | 'scanOffset'> | undefined;
  let jfif: JpegHeader['jfif'];
  let adobeTransform: number | undefined;
  const comments: string[] = [];
  let at = 2;
  for (;;) {
    if (at + 1 >= bytes.length) throw new FormatError(source, 'the file ends before the first scan (no SOS marker); it is truncated', `byte ${at}`);
    if (bytes[at] !== 0xff) throw new FormatError(source, `expected a marker (0xFF) but found ${hex(bytes[at])}; the file is corrupt`, `byte ${at}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte before a marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9) throw new FormatError(source, 'the file ends (EOI) before any image data', `byte ${at}`);
    if (at + 3 >= bytes.length) throw new FormatError(source, `segment 0xFF${hex(marker).slice(2)} is cut off; the file is truncated`, `byte ${at}`);
    const length = u16(at + 2);
    const body = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > bytes.length) throw new FormatError(source, `segment 0xFF${hex(marker).slice(2)} claims ${length} bytes but the file holds ${bytes.length - at - 2}; it is truncated or corrupt`, `byte ${at}`);
    const refused = refusedProcess(marker) ?? (marker === 0xcc ? 'arithmetic-coded JPEG (DAC)' : undefined);
    if (refused) throw new FormatError(source, `${refused} is not supported; ${FIX}`, `byte ${at}`);
    if (PROCESS[marker]) {
      if (frame) throw new FormatError(source, 'more than one frame header (SOF); multi-frame JPEGs are not supported', `byte ${at}`);
      if (length < 8) throw new FormatError(source, `frame header (SOF) of ${length} bytes is too short`, `byte ${at}`);
      const precision = bytes[body];
      const height = u16(body + 1);
      const width = u16(body + 3);
      const count = bytes[body + 5];
      if (precision !== 8) throw new FormatError(source, `${precision}-bit JPEG is not supported (8-bit only; the decoder would clip it silently); ${FIX}`, `SOF, byte ${body}`);
      if (count === 4) throw new FormatError(source, `CMYK/YCCK JPEG (4 components) is not supported: it is not an intensity image; ${FIX}`, `SOF, byte ${body + 5}`);
      if (count !== 1 && count !== 3) throw new FormatError(source, `a JPEG with ${count} components is not supported (1: greyscale, 3: colour)`, `SOF, byte ${body + 5}`);
      if (length < 8 + 3 * count) throw new FormatError(source, `frame header (SOF) of ${length} bytes cannot describe ${count} components`, `byte ${at}`);
      if (height === 0) throw new FormatError(source, 'the frame header gives height 0 (set later by a DNL marker), which is not supported', `SOF, byte ${body + 1}`);
      if (width === 0) throw new FormatError(source, 'the frame header gives width 0', `SOF, byte ${body + 3}`);
      const components: JpegComponent[] = [];
      for (let k = 0; k < count; k++) {
        const c = body + 6 + 3 * k;
        const h = bytes[c + 1] >> 4;
        const v = bytes[c + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) throw new FormatError(source, `component ${k} has sampling factors ${h}×${v} (each must be 1 to 4)`, `SOF, byte ${c + 1}`);
        components.push({ id: bytes[c], h, v });
      }
      frame = { process: PROCESS[marker], precision, height, width, components };
    } else if (marker === 0xe0 && length >= 16 && String.fromCharCode(...bytes.subarray(body, body + 5)) === 'JFIF\0') {
      jfif = { version: `${bytes[body + 5]}.${String(bytes[body + 6]).padStart(2, '0')}`, units: bytes[body + 7], xDensity: u16(body + 8), yDensity: u16(body + 10) };
    } else if (marker === 0xee && length >= 14 && String.fromCharCode(...bytes.subarray(body, body + 6)) === 'Adobe\0') {
      adobeTransform = bytes[body + 11];
    } else if (marker === 0xfe) {
      comments.push(new TextDecoder('latin1').decode(bytes.subarray(body, end)));
    } else if (marker === 0xda) {
      if (!frame) throw new FormatError(source, 'a scan (SOS) comes before any frame header (SOF)', `byte ${at}`);
      return { ...frame, jfif, adobeTransform, comments, scanOffset: at };
    }
    at = end;
  }
}

/**
 * Whether three components hold Y, Cb, Cr (to be converted to RGB) or R, G, B as stored, by
 * libjpeg's rule (jdapimin.c, default_decompress_parms): a JFIF file is YCbCr; an Adobe file says so
 * in its transform flag (0 = RGB); otherwise component ids 'R', 'G', 'B' mean RGB. jpeg-js on its
 * own converts an Adobe transform-0 file as if it were YCbCr.
 */
export function storesYCbCr(header: JpegHeader): boolean {
  if (header.jfif) return true;
  if (header.adobeTransform !== undefined) return header.adobeTransform !== 0;
  const ids = header.components.map((c) => c.id);
  return !(ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42);
}
