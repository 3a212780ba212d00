/**
 * TIFF as a Reader: what SEMs, TEM cameras, ImageJ/Fiji and DigitalMicrograph write.
 *
 * Reads 8/16/32-bit unsigned and signed integers and 32/64-bit floats, either byte order, classic
 * TIFF and BigTIFF, strips and tiles, chunky and planar samples, no compression, LZW, Deflate
 * (Adobe 8 and 32946) and PackBits, predictors 2 and 3; grey, palette (the indices, as tifffile
 * returns them), min-is-white (the stored values, as tifffile) and RGB/RGBA/extra samples.
 *
 * Layout: `values` and `native` are both [C, H, W] for one page and [N, C, H, W] for a stack
 * (trustscope's NCHW; C = samples per pixel, 1 for grey, 3 for RGB, 4 for RGBA), axes 'n', 'c',
 * 'y', 'x'. tifffile's shape differs only by where the sample axis sits (trailing for chunky RGB).
 * The pages read are the first page and every later page of the same shape and sample type
 * (tifffile's first series for a plain multi-page file); other pages (thumbnails, masks) are left
 * out and counted in `metadata.tiff.pagesSkipped`. An ImageJ stack whose `images=N` exceeds its
 * directories (ImageJ's files over 4 GB) is read as N contiguous images after the first.
 *
 * Refused with a FormatError: sub-byte and 12/24-bit samples, 64-bit integers, complex and 16-bit
 * float samples, JPEG and other compressions, CMYK/YCbCr/CIELab, FillOrder 2, and anything
 * truncated or inconsistent — naming the page, tag or strip.
 */
import { tensor } from '../../tensor/tensor.js';
import { checkClaimedSize, FormatError, type Axis, type ImageArray, type NativeArray, type Reader } from './reader.js';
import { COMPRESSION_NAMES, decodedCapacity, decompress, SUPPORTED_COMPRESSION, toSamples, type ChunkSource, type SampleCtor } from './tiff-decode.js';
import { hasTiffSignature, number, numbers, parseTiff, TAG, tagWhere, text, type Ifd, type TiffFile } from './tiff-ifd.js';
import { parseImageJ, readMetadata, type AxisCalibration } from './tiff-metadata.js';

interface Page {
  readonly ifd: Ifd;
  readonly width: number;
  readonly height: number;
  readonly samples: number;
  readonly bits: number;
  readonly format: number;
  readonly dtype: string;
  readonly compression: number;
  readonly photometric: number;
  readonly planar: number;
  readonly predictor: number;
  readonly chunks: readonly Chunk[];
}

interface Chunk {
  readonly offset: number;
  readonly count: number;
  readonly x0: number;
  readonly y0: number;
  /** Pixels per stored row and stored rows (a tile's full size; a strip's rows in the image). */
  readonly w: number;
  readonly h: number;
  /** Stored rows a padded strip may hold (RowsPerStrip). */
  readonly hFull: number;
  /** The sample plane (planar files), or -1 when every sample is interleaved in the chunk. */
  readonly plane: number;
}

const DTYPES: Readonly<Record<string, SampleCtor>> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};

const PHOTOMETRIC: Readonly<Record<number, string>> = { 0: 'min-is-white', 1: 'min-is-black', 2: 'rgb', 3: 'palette', 4: 'mask', 5: 'cmyk', 6: 'ycbcr', 8: 'cielab' };

function sampleType(bits: number, format: number): string | undefined {
  if (format === 3) return bits === 32 || bits === 64 ? `float${bits}` : undefined;
  if (format !== 1 && format !== 2 && format !== 4) return undefined;
  if (bits !== 8 && bits !== 16 && bits !== 32) return undefined;
  return `${format === 2 ? 'int' : 'uint'}${bits}`;
}

/** A page's geometry and chunk table, checked; throws naming the IFD and tag. */
function describePage(file: TiffFile, ifd: Ifd): Page {
  const src = file.source;
  const fail = (why: string, tag?: number): never => {
    throw new FormatError(src, why, tag === undefined ? `IFD ${ifd.index}` : tagWhere(ifd, tag));
  };
  const width = number(file, ifd, TAG.ImageWidth, 0);
  const height = number(file, ifd, TAG.ImageLength, 0);
  if (!Number.isSafeInteger(width) || width < 1 || width > 2 ** 31) fail(`image width ${width} is not a positive size`, TAG.ImageWidth);
  if (!Number.isSafeInteger(height) || height < 1 || height > 2 ** 31) fail(`image length ${height} is not a positive size`, TAG.ImageLength);
  const samples = number(file, ifd, TAG.SamplesPerPixel, 1);
  if (!Number.isInteger(samples) || samples < 1 || samples > 64) fail(`${samples} samples per pixel`, TAG.SamplesPerPixel);
  const bitsList = numbers(file, ifd, TAG.BitsPerSample) ?? [1];
  const bits = bitsList[0];
  if (bitsList.some((b) => b !== bits)) fail(`samples of different sizes (${bitsList.join(', ')} bits)`, TAG.BitsPerSample);
  const format = number(file, ifd, TAG.SampleFormat, 1); // a short SampleFormat list applies its first value to all samples, as tifffile
  const dtype = sampleType(bits, format);
  if (!dtype) fail(`unsupported sample type: ${bits}-bit ${({ 1: 'unsigned', 2: 'signed', 3: 'float', 5: 'complex int', 6: 'complex float' } as Record<number, string>)[format] ?? `format ${format}`}`, TAG.BitsPerSample);
  const compression = number(file, ifd, TAG.Compression, 1);
  if (!SUPPORTED_COMPRESSION.has(compression)) fail(`unsupported compression ${COMPRESSION_NAMES[compression] ?? compression}`, TAG.Compression);
  const photometric = number(file, ifd, TAG.Photometric, samples >= 3 ? 2 : 1);
  if (![0, 1, 2, 3].includes(photometric)) fail(`unsupported colour space ${PHOTOMETRIC[photometric] ?? photometric}`, TAG.Photometric);
  if (photometric === 2 && samples < 3) fail(`RGB with ${samples} samples per pixel`, TAG.SamplesPerPixel);
  const planar = samples > 1 ? number(file, ifd, TAG.PlanarConfiguration, 1) : 1;
  if (planar !== 1 && planar !== 2) fail(`planar configuration ${planar}`, TAG.PlanarConfiguration);
  if (number(file, ifd, TAG.FillOrder, 1) !== 1) fail('FillOrder 2 (bit-reversed bytes) is not supported', TAG.FillOrder);
  const predictor = number(file, ifd, TAG.Predictor, 1);
  const bps = bits / 8;
  const spc = planar === 1 ? samples : 1; // samples per pixel inside one chunk
  const planes = planar === 1 ? 1 : samples;
  const tiled = ifd.entries.has(TAG.TileWidth) || ifd.entries.has(TAG.TileOffsets);
  const chunks: Chunk[] = [];
  const offTag = tiled ? TAG.TileOffsets : TAG.StripOffsets;
  const cntTag = tiled ? TAG.TileByteCounts : TAG.StripByteCounts;
  const offsets = numbers(file, ifd, offTag) ?? fail(`no ${tiled ? 'tile' : 'strip'} offsets`, offTag);
  let counts = numbers(file, ifd, cntTag);
  if (tiled) {
    const tw = number(file, ifd, TAG.TileWidth, 0);
    const th = number(file, ifd, TAG.TileLength, 0);
    if (!(Number.isSafeInteger(tw) && tw > 0 && tw <= 65536)) fail(`tile width ${tw}`, TAG.TileWidth);
    if (!(Number.isSafeInteger(th) && th > 0 && th <= 65536)) fail(`tile length ${th}`, TAG.TileLength);
    const across = Math.ceil(width / tw);
    const down = Math.ceil(height / th);
    if (offsets.length < across * down * planes) fail(`${offsets.length} tile offsets for ${across * down * planes} tiles`, offTag);
    for (let p = 0; p < planes; p++) for (let ty = 0; ty < down; ty++) for (let tx = 0; tx < across; tx++) {
      chunks.push({ offset: 0, count: 0, x0: tx * tw, y0: ty * th, w: tw, h: th, hFull: th, plane: planar === 1 ? -1 : p });
    }
  } else {
    const rps = Math.min(number(file, ifd, TAG.RowsPerStrip, height), height);
    if (!(rps >= 1)) fail(`${rps} rows per strip`, TAG.RowsPerStrip);
    const per = Math.ceil(height / rps);
    if (offsets.length < per * planes) fail(`${offsets.length} strip offsets for ${per * planes} strips`, offTag);
    for (let p = 0; p < planes; p++) for (let s = 0; s < per; s++) {
      chunks.push({ offset: 0, count: 0, x0: 0, y0: s * rps, w: width, h: Math.min(rps, height - s * rps), hFull: rps, plane: planar === 1 ? -1 : p });
    }
    if (!counts && compression === 1) counts = chunks.map((c) => c.w * c.h * spc * bps); // some writers omit them for raw strips
  }
  if (!counts || counts.length < chunks.length) fail(`${counts?.length ?? 0} byte counts for ${chunks.length} ${tiled ? 'tiles' : 'strips'}`, cntTag);
  const filled = chunks.map((c, i) => {
    const offset = offsets[i];
    const count = counts![i];
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(count) && offset >= 0 && count >= 0 && offset + count <= file.bytes.length)) {
      fail(`${tiled ? 'tile' : 'strip'} ${i} (${count} bytes at byte ${offset}) lies outside the file (${file.bytes.length} bytes); the file is truncated or corrupt`, offTag);
    }
    return { ...c, offset, count };
  });
  return { ifd, width, height, samples, bits, format, dtype: dtype!, compression, photometric, planar, predictor, chunks: filled };
}

/** Shape and sample type of a page, read leniently: what decides whether it joins the first page's stack. */
function kindOf(file: TiffFile, ifd: Ifd): string {
  const n = (tag: number, d: number): number | string => {
    try {
      return number(file, ifd, tag, d);
    } catch {
      return '?';
    }
  };
  const samples = n(TAG.SamplesPerPixel, 1);
  return [n(TAG.ImageWidth, 0), n(TAG.ImageLength, 0), samples, n(TAG.BitsPerSample, 1), n(TAG.SampleFormat, 1), samples === 1 ? 1 : n(TAG.PlanarConfiguration, 1)].join(',');
}

/** The chunks of an ImageJ stack stored contiguously after its only directory (`images=N`). */
function imagejContiguous(file: TiffFile, first: Page, images: number): Page[] {
  const bytesPerPage = first.width * first.height * first.samples * (first.bits / 8);
  const c0 = first.chunks[0];
  const contiguous = first.compression === 1 && first.chunks.every((c, i) => i === 0 || c.offset === first.chunks[i - 1].offset + first.chunks[i - 1].count);
  if (!contiguous || images < 2) return [first];
  checkClaimedSize(file.source, images * bytesPerPage, 1, file.bytes.length - c0.offset, `IFD 0 ImageJ images=${images}`);
  return Array.from({ length: images }, (_, k) => ({ ...first, chunks: first.chunks.map((c) => ({ ...c, offset: c.offset + k * bytesPerPage })) }));
}

/** 'page 2 strip 5 at byte 1234' — where a chunk's error is reported. */
function chunkWhere(page: Page, index: number, i: number): string {
  const c = page.chunks[i];
  const kind = page.ifd.entries.has(TAG.TileWidth) || page.ifd.entries.has(TAG.TileOffsets) ? 'tile' : 'strip';
  return `page ${index} ${page.chunks.length > 1 ? `${kind} ${i} ` : ''}at byte ${c.offset}`;
}

function decodeInto(file: TiffFile, src: ChunkSource, page: Page, index: number, out: NativeArray, ctor: SampleCtor): void {
  const { width: W, height: H, samples: C } = page;
  const bps = page.bits / 8;
  const base = index * C * H * W;
  const isFloat = page.format === 3;
  page.chunks.forEach((c, i) => {
    const where = (): string => chunkWhere(page, index, i);
    const fail = (why: string): never => {
      throw new FormatError(file.source, why, where());
    };
    const spc = c.plane < 0 ? C : 1;
    const need = c.w * c.h * spc * bps;
    const full = c.w * c.hFull * spc * bps;
    const decoded = decompress(src, page.compression, c.offset, c.count, need, full, where);
    const s = toSamples(decoded, ctor, bps, file.littleEndian, page.predictor, c.h, c.w * spc, spc, isFloat, fail);
    const cols = Math.min(c.w, W - c.x0);
    for (let r = 0; r < c.h && c.y0 + r < H; r++) {
      const y = c.y0 + r;
      if (spc === 1) {
        const plane = Math.max(c.plane, 0);
        out.set(s.subarray(r * c.w, r * c.w + cols) as never, base + (plane * H + y) * W + c.x0);
      } else {
        for (let x = 0; x < cols; x++) {
          const from = (r * c.w + x) * spc;
          for (let k = 0; k < spc; k++) out[base + (k * H + y) * W + c.x0 + x] = s[from + k];
        }
      }
    }
  });
}

/**
 * For an image claiming over 64× the file's size (legitimate for nearly empty Deflate images, or a
 * hostile header): decodes every PackBits/Deflate chunk once into a throw-away buffer of at most
 * one chunk, so the image is allocated only if the data really decodes to it. (LZW and raw chunks
 * are exact already.)
 */
function verifyBeforeAllocating(src: ChunkSource, pages: readonly Page[]): void {
  const done = new Set<string>();
  pages.forEach((p, k) => {
    if (p.compression !== 8 && p.compression !== 32946 && p.compression !== 32773) return;
    const spc = p.planar === 1 ? p.samples : 1;
    p.chunks.forEach((c, i) => {
      const key = `${c.offset}:${c.count}`;
      if (done.has(key)) return;
      done.add(key);
      const bps = p.bits / 8;
      decompress(src, p.compression, c.offset, c.count, c.w * c.h * spc * bps, c.w * c.hFull * spc * bps, () => chunkWhere(p, k, i));
    });
  });
}

function axisOf(name: string, size: number, cal: AxisCalibration | undefined): Axis {
  const a: { name: string; size: number; scale?: number; unit?: string; offset?: number } = { name, size };
  if (cal?.scale !== undefined && Number.isFinite(cal.scale)) a.scale = cal.scale;
  if (cal?.unit) a.unit = cal.unit;
  if (cal?.offset !== undefined && Number.isFinite(cal.offset)) a.offset = cal.offset;
  return a;
}

export function readTiff(bytes: Uint8Array, source: string): ImageArray {
  try {
    return readTiffUnchecked(bytes, source);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    // A decoder failure we did not foresee still leaves as one line naming the file.
    throw new FormatError(source, `cannot decode TIFF data (${String((e as Error)?.message ?? e).split('\n')[0]})`);
  }
}

function readTiffUnchecked(input: Uint8Array, source: string): ImageArray {
  // utif2's PackBits decoder indexes the file's whole buffer: give it one that starts at byte 0.
  // (A copy made with the Uint8Array constructor: Buffer#slice would be a view at the same offset.)
  const bytes = input.byteOffset === 0 && input.buffer.byteLength === input.length ? input : new Uint8Array(input);
  const file = parseTiff(bytes, source);
  const first = describePage(file, file.ifds[0]);
  let pages: Page[] = [first];
  let skipped = 0;
  const kind = kindOf(file, first.ifd);
  for (const ifd of file.ifds.slice(1)) {
    // A page shaped like the first belongs to the stack: its errors (truncation…) are the file's.
    // Other pages (thumbnails, previews, masks) are skipped, whatever they hold.
    if (kindOf(file, ifd) === kind) pages.push(describePage(file, ifd));
    else skipped++;
  }
  const ij = parseImageJ(text(file, file.ifds[0], TAG.ImageDescription) ?? '');
  const images = Number(ij?.images ?? 0);
  if (ij && pages.length === 1 && Number.isSafeInteger(images) && images > 1) pages = imagejContiguous(file, first, images);

  const { width: W, height: H, samples: C, dtype } = first;
  const ctor = DTYPES[dtype];
  const src: ChunkSource = { file: bytes, source };
  // What the file's bytes can decode to; a byte range shared by several strips or pages counts once,
  // so directories pointing again and again at the same data cannot claim more than the file holds.
  let capacity = 0;
  const counted = new Set<string>();
  pages.forEach((p, k) => p.chunks.forEach((c, i) => {
    const key = `${c.offset}:${c.count}:${p.compression}`;
    if (counted.has(key)) return;
    counted.add(key);
    capacity += decodedCapacity(src, p.compression, c.offset, c.count, () => chunkWhere(p, k, i));
  }));
  const N = pages.length;
  const claimed = N * C * H * W * (first.bits / 8);
  checkClaimedSize(source, N * C * H * W, first.bits / 8, capacity, `IFD 0 (${W}×${H}×${C} samples, ${N} page${N > 1 ? 's' : ''}, ${COMPRESSION_NAMES[first.compression]})`);
  if (claimed > 64 * bytes.length) verifyBeforeAllocating(src, pages);
  const native = new (ctor as unknown as new (n: number) => NativeArray)(N * C * H * W);
  pages.forEach((p, k) => decodeInto(file, src, p, k, native, ctor));
  const values = new Float32Array(native as unknown as ArrayLike<number>); // typed-array conversion, element by element

  const md = readMetadata(file, first.ifd, W);
  const cal = md.calibration;
  const axes: Axis[] = [axisOf('c', C, undefined), axisOf('y', H, cal?.y), axisOf('x', W, cal?.x)];
  if (N > 1) axes.unshift(axisOf('n', N, cal?.n));
  const shape = axes.map((a) => a.size);
  const metadata: Record<string, unknown> = {
    tiff: {
      pages: N,
      pagesSkipped: skipped,
      byteOrder: file.littleEndian ? 'little' : 'big',
      bigTiff: file.bigTiff,
      compression: COMPRESSION_NAMES[first.compression],
      predictor: first.predictor,
      tiled: first.ifd.entries.has(TAG.TileWidth) || first.ifd.entries.has(TAG.TileOffsets),
      photometric: PHOTOMETRIC[first.photometric],
      planar: first.planar === 2,
      ...(C > 1 && first.photometric === 2 ? { channels: C === 3 ? 'rgb' : C === 4 ? 'rgba' : `rgb+${C - 3}` } : {}),
    },
    ...md.raw,
  };
  if (cal) metadata.calibrationSource = cal.source;
  if (md.instrument) metadata.instrument = md.instrument;
  return { values: tensor(shape, values), dtype, native, axes, metadata, format: 'tiff' };
}

export const tiffReader: Reader = {
  name: 'tiff',
  description: 'TIFF/BigTIFF: 8–32-bit integer and 32/64-bit float, stacks, strips and tiles, LZW/Deflate/PackBits, RGB(A); ImageJ, FEI, Zeiss and Gatan calibrations',
  extensions: ['.tif', '.tiff'],
  sniff: hasTiffSignature,
  read: readTiff,
};
