/**
 * JPEG as a Reader (decoding by jpeg-js): 8-bit greyscale and colour, baseline, extended-Huffman and
 * progressive. What the file holds, unscaled, in the layout of the other micrograph readers:
 * - greyscale → dtype 'uint8', values [1, H, W] (0..255), native [H, W];
 * - colour → dtype 'rgb8', values [3, H, W] (channel-first, like PNG and DM), native interleaved
 *   [H, W, 3] (what `convert` writes).
 * Being integer data, JPEG pixels need `--normalise` before a model sees them, like 8-bit TIFF.
 * Everything refused (12-bit, arithmetic, lossless, CMYK…) is decided in jpeg-markers.ts before
 * decoding. The JFIF pixel density goes into the metadata only: a JPEG's "dpi" is a print setting,
 * almost never the physical pixel size of a micrograph.
 *
 * Against libjpeg (Pillow, bench/reference/make_jpeg_fixtures.py): see the test for the measured
 * bounds; the inverse DCTs round differently (jpeg-js's integer AAN vs libjpeg's islow), so samples
 * differ by a grey level or so, and colour conversion and chroma upsampling follow libjpeg.
 */
import { decode } from 'jpeg-js';
import { tensor } from '../../tensor/tensor.js';
import { yccToRgb } from './jpeg-colour.js';
import { readJpegHeader, storesYCbCr, isJpeg, type JpegHeader } from './jpeg-markers.js';
import { FormatError, type ImageArray, type Reader } from './reader.js';

/** Above this, jpeg-js's own guards refuse (its per-block Int32Arrays cost about 5 bytes a sample). */
const MAX_MEGAPIXELS = 500;
const MAX_MEMORY_MB = 4096;

/**
 * Refuses a frame size the scan's bytes cannot encode, before decoding. Every 8×8 block of every
 * component carries its own DC coefficient, Huffman-coded in at least one bit, in baseline and
 * progressive files alike, so a file needs at least one bit per block. (jpeg-js reads zeros past
 * the end of the data, so without this a 600-byte mutant claiming 65 535 × 65 535 pixels would
 * decode gigabytes of grey.)
 */
function checkBlocksFit(header: JpegHeader, bytes: Uint8Array, source: string): void {
  const maxH = Math.max(...header.components.map((c) => c.h));
  const maxV = Math.max(...header.components.map((c) => c.v));
  const blocksX = Math.ceil(header.width / 8);
  const blocksY = Math.ceil(header.height / 8);
  let blocks = 0;
  for (const c of header.components) blocks += Math.ceil((blocksX * c.h) / maxH) * Math.ceil((blocksY * c.v) / maxV);
  const bits = 8 * (bytes.length - header.scanOffset);
  if (blocks > bits) {
    throw new FormatError(source, `the frame header claims ${header.width}×${header.height} pixels (${blocks} blocks) but only ${bytes.length - header.scanOffset} bytes of image data follow; the file is truncated or corrupt`, 'SOF');
  }
}

function samplingText(header: JpegHeader): string {
  return header.components.map((c) => `${c.h}x${c.v}`).join(',');
}

export function readJpeg(bytes: Uint8Array, source: string): ImageArray {
  const header = readJpegHeader(bytes, source);
  checkBlocksFit(header, bytes, source);
  const colour = header.components.length === 3;
  const ycbcr = colour && storesYCbCr(header);
  let rgb: Uint8Array;
  try {
    // formatAsRGBA false gives 3 bytes a pixel for every file (grey repeated in R, G and B). The
    // colour transform is ours (jpeg-colour.ts: libjpeg's upsampling and fixed-point tables).
    const image = decode(bytes, { useTArray: true, formatAsRGBA: false, colorTransform: false, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: MAX_MEMORY_MB });
    rgb = image.data;
    if (image.width !== header.width || image.height !== header.height) throw new Error(`decoded ${image.width}×${image.height}, not the header's size`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new FormatError(source, `cannot decode the JPEG data: ${message.split('\n')[0]}`, `scan at byte ${header.scanOffset}`);
  }
  const { width: w, height: h } = header;
  const n = w * h;
  if (rgb.length < 3 * n) throw new FormatError(source, `the decoder returned ${rgb.length} of ${3 * n} samples`, `scan at byte ${header.scanOffset}`);
  const channels = colour ? 3 : 1;
  const native = !colour ? new Uint8Array(n) : ycbcr ? yccToRgb(rgb, w, h, header.components) : rgb.subarray(0, 3 * n);
  if (!colour) for (let i = 0; i < n; i++) native[i] = rgb[3 * i];
  const values = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) values[c * n + i] = native[i * channels + c];
  return {
    values: tensor([channels, h, w], values),
    dtype: colour ? 'rgb8' : 'uint8',
    native,
    axes: [{ name: 'c', size: channels }, { name: 'y', size: h }, { name: 'x', size: w }],
    metadata: {
      ...(colour ? { channels: 'rgb' } : {}),
      jpeg: {
        process: header.process,
        precision: header.precision,
        components: header.components.length,
        colourSpace: colour ? (ycbcr ? 'YCbCr' : 'RGB') : 'grey',
        sampling: samplingText(header),
        ...(header.jfif ? { jfif: header.jfif } : {}),
        ...(header.adobeTransform !== undefined ? { adobeTransform: header.adobeTransform } : {}),
        ...(header.comments.length ? { comments: header.comments } : {}),
      },
    },
    format: 'jpeg',
  };
}

export const jpegReader: Reader = {
  name: 'jpeg',
  description: 'JPEG, 8-bit greyscale and colour, baseline and progressive (values 0..255, colour channel-first)',
  extensions: ['.jpg', '.jpeg'],
  sniff: isJpeg,
  read: readJpeg,
};
