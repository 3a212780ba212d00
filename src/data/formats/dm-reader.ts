/**
 * Gatan DigitalMicrograph .dm3/.dm4 as a Reader. The image is the first entry of ImageList that the
 * root Thumbnails group does not name (DM saves a small RGBA preview first), as in the field's
 * reference reader (hyperspy/rosettasciio). DM lists dimensions fastest first (x, y, z), so the
 * array is C-order [z, y, x]; each axis takes Scale and Units from ImageData/Calibrations/Dimension,
 * and offset = −Origin·Scale (DM's origin is in pixels). Axis names: 'e' for an energy axis (eV/keV
 * units, or the spectral axis of a spectrum / spectrum image), then 'x', 'y', 'n' from the fastest.
 * Values are float32 (complex: the magnitude; RGB(A): channel-first); `native` keeps the file's type.
 */
import { tensor } from '../../tensor/tensor.js';
import { type DmArrayRef, type DmFile, type DmGroup, type DmTag, type DmValue, dmToObject, dmVersion, findTag, isArrayRef, isGroup, parseDm, tagValue } from './dm.js';
import { type Axis, FormatError, type ImageArray, type NativeArray, type Reader } from './reader.js';

/** DM's ImageData/DataType codes: element bytes and the dtype name of the contract. */
const DATA_TYPES: Readonly<Record<number, { dtype: string; bytes: number; packed?: boolean }>> = {
  1: { dtype: 'int16', bytes: 2 },
  2: { dtype: 'float32', bytes: 4 },
  3: { dtype: 'complex64', bytes: 8 },
  6: { dtype: 'uint8', bytes: 1 },
  7: { dtype: 'int32', bytes: 4 },
  8: { dtype: 'rgb8', bytes: 4 },
  9: { dtype: 'int8', bytes: 1 },
  10: { dtype: 'uint16', bytes: 2 },
  11: { dtype: 'uint32', bytes: 4 },
  12: { dtype: 'float64', bytes: 8 },
  13: { dtype: 'complex128', bytes: 16 },
  14: { dtype: 'bool', bytes: 1 },
  23: { dtype: 'rgba8', bytes: 4 },
  // An FFT of a real image, half-plane stored (H × (W/2 + 1) values), unpacked as rosettasciio does.
  27: { dtype: 'complex64', bytes: 8, packed: true },
  28: { dtype: 'complex128', bytes: 16, packed: true },
};

const UNSUPPORTED_TYPES: Readonly<Record<number, string>> = {
  0: 'null',
  4: 'obsolete',
  5: 'old-style packed complex (FFT)',
};

const ENERGY_UNITS = /^(m|k)?eV$/;

interface Image {
  readonly index: number;
  readonly tag: DmTag;
  readonly group: DmGroup;
}

function num(v: DmGroup | DmValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function str(v: DmGroup | DmValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** ImageList entries, thumbnails marked by the root Thumbnails group. */
function images(file: DmFile, source: string): { all: Image[]; thumbnails: Set<number> } {
  const list = findTag(file.root, 'ImageList');
  if (!list || !isGroup(list.value)) throw new FormatError(source, 'the file holds no ImageList tag group, so no image', 'ImageList');
  const thumbnails = new Set<number>();
  const thumbs = tagValue(file.root, 'Thumbnails');
  if (isGroup(thumbs)) {
    for (const t of thumbs.tags) {
      if (!isGroup(t.value)) continue;
      const i = num(tagValue(t.value, 'ImageIndex'));
      if (i !== undefined) thumbnails.add(i);
    }
  }
  const all: Image[] = [];
  list.value.tags.forEach((tag, index) => {
    if (isGroup(tag.value)) all.push({ index, tag, group: tag.value });
  });
  return { all, thumbnails };
}

function dimensions(image: Image, source: string): number[] {
  const tag = findTag(image.group, 'ImageData', 'Dimensions');
  const where = `${image.tag.path}/ImageData/Dimensions`;
  if (!tag || !isGroup(tag.value)) throw new FormatError(source, 'the image has no ImageData/Dimensions group', where);
  const dims = tag.value.tags.map((t) => num(t.value));
  if (dims.length < 1 || dims.length > 3) throw new FormatError(source, `${dims.length}-dimensional data is not supported (1 to 3 dimensions are)`, where);
  dims.forEach((d, i) => {
    if (d === undefined || !Number.isSafeInteger(d) || d < 1) throw new FormatError(source, `dimension ${i} is ${JSON.stringify(dmToObject((tag.value as DmGroup).tags[i].value)).slice(0, 80)}, not a positive integer`, `${where}/${i}`);
  });
  return dims as number[];
}

function bswap(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The pixel bytes of the image in the file's own type, byte order fixed to the host's. */
function decode(bytes: Uint8Array, ref: DmArrayRef, dataType: number, count: number, littleEndian: boolean): { native: NativeArray; values: Float32Array; channels: number } {
  const { bytes: width } = DATA_TYPES[dataType];
  // A copy in its own buffer (a Node Buffer's slice() would be a view into a shared pool).
  const raw = new Uint8Array(count * width);
  raw.set(bytes.subarray(ref.offset, ref.offset + count * width));
  const swap = littleEndian !== HOST_LITTLE;
  switch (dataType) {
    case 8:
    case 23: {
      // Packed 32-bit pixels 0xAARRGGBB: B, G, R, A in memory on a little-endian file.
      const channels = dataType === 8 ? 3 : 4;
      const native = new Uint8Array(count * channels);
      const [r, g, b, a] = littleEndian ? [2, 1, 0, 3] : [1, 2, 3, 0];
      for (let i = 0; i < count; i++) {
        const p = i * 4;
        const q = i * channels;
        native[q] = raw[p + r];
        native[q + 1] = raw[p + g];
        native[q + 2] = raw[p + b];
        if (channels === 4) native[q + 3] = raw[p + a];
      }
      return { native, values: Float32Array.from(native), channels };
    }
    case 3:
    case 13:
    case 27:
    case 28: {
      if (swap) bswap(raw, width / 2);
      const native = width === 8 ? new Float32Array(raw.buffer) : new Float64Array(raw.buffer);
      const values = new Float32Array(count);
      for (let i = 0; i < count; i++) values[i] = Math.hypot(native[2 * i], native[2 * i + 1]);
      return { native, values, channels: 1 };
    }
    default: {
      if (swap && width > 1) bswap(raw, width);
      const native: NativeArray = (() => {
        switch (dataType) {
          case 1: return new Int16Array(raw.buffer);
          case 2: return new Float32Array(raw.buffer);
          case 7: return new Int32Array(raw.buffer);
          case 9: return new Int8Array(raw.buffer);
          case 10: return new Uint16Array(raw.buffer);
          case 11: return new Uint32Array(raw.buffer);
          case 12: return new Float64Array(raw.buffer);
          case 14:
            for (let i = 0; i < raw.length; i++) raw[i] = raw[i] ? 1 : 0;
            return raw;
          default: return raw;
        }
      })();
      return { native, values: native instanceof Float32Array ? native : Float32Array.from(native), channels: 1 };
    }
  }
}

/**
 * A half-plane FFT (rows of ⌊W/2⌋ + 1 complex values) to the full H × W plane the way rosettasciio
 * lays it out: each row reversed, then the conjugates of its values 1 … W − ⌊W/2⌋ − 1. For an even
 * W that is rosettasciio's layout exactly; for an odd W rosettasciio drops the last column (W − 1
 * columns against W in its own axes), this keeps it.
 */
function unpackHalfPlane(packed: Float32Array | Float64Array, height: number, width: number): { native: Float32Array | Float64Array; values: Float32Array; channels: number } {
  const half = Math.floor(width / 2) + 1;
  const native = packed instanceof Float32Array ? new Float32Array(2 * height * width) : new Float64Array(2 * height * width);
  const values = new Float32Array(height * width);
  for (let r = 0; r < height; r++) {
    for (let j = 0; j < width; j++) {
      const fromReversed = j < half;
      const src = 2 * (r * half + (fromReversed ? half - 1 - j : j - half + 1));
      const re = packed[src];
      const im = fromReversed ? packed[src + 1] : -packed[src + 1];
      const dst = r * width + j;
      native[2 * dst] = re;
      native[2 * dst + 1] = im;
      values[dst] = Math.hypot(re, im);
    }
  }
  return { native, values, channels: 1 };
}

/** Axis names: an energy axis (by unit or spectrum format) is 'e'; the rest are x, y, n from the fastest. */
function axisNames(units: readonly (string | undefined)[], format: string | undefined, signal: string | undefined): string[] {
  const rank = units.length;
  const names: (string | undefined)[] = new Array(rank).fill(undefined);
  let energy = units.findIndex((u) => u !== undefined && ENERGY_UNITS.test(u));
  if (energy < 0) {
    const spectral = format === 'Spectrum image' || format === 'Spectrum' || signal === 'EELS' || signal === 'X-ray' || signal === 'CL';
    if (spectral) energy = rank === 3 ? 0 : rank - 1;
  }
  if (energy >= 0) names[energy] = 'e';
  const rest = ['x', 'y', 'n'];
  for (let i = rank - 1; i >= 0; i--) if (names[i] === undefined) names[i] = rest.shift();
  return names as string[];
}

function calibrations(image: Image, rank: number): { scale?: number; offset?: number; unit?: string }[] {
  const dims = tagValue(image.group, 'ImageData', 'Calibrations', 'Dimension');
  const out: { scale?: number; offset?: number; unit?: string }[] = [];
  for (let i = 0; i < rank; i++) {
    const d = isGroup(dims) ? dims.tags[i]?.value : undefined;
    if (!isGroup(d)) {
      out.push({});
      continue;
    }
    const scale = num(tagValue(d, 'Scale'));
    const origin = num(tagValue(d, 'Origin'));
    const unit = str(tagValue(d, 'Units'));
    const offset = scale !== undefined && origin !== undefined ? -origin * scale || 0 : undefined;
    out.push({ ...(scale !== undefined ? { scale } : {}), ...(offset !== undefined ? { offset } : {}), ...(unit !== undefined ? { unit } : {}) });
  }
  return out;
}

function first(group: DmGroup, paths: readonly (readonly string[])[]): DmGroup | DmValue | undefined {
  for (const p of paths) {
    const v = tagValue(group, ...p);
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** The fields a report shows, picked out of ImageTags (where DM and its plug-ins put them). */
function keyFields(image: Image): Record<string, unknown> {
  const tags = tagValue(image.group, 'ImageTags');
  const out: Record<string, unknown> = {};
  const title = str(tagValue(image.group, 'Name'));
  if (title) out.title = title;
  if (!isGroup(tags)) return out;
  const signal = str(tagValue(tags, 'Meta Data', 'Signal'));
  const format = str(tagValue(tags, 'Meta Data', 'Format'));
  if (signal) out.signal = signal;
  if (format) out.signalFormat = format;
  const microscope: Record<string, unknown> = {};
  const name = str(first(tags, [['Session Info', 'Microscope'], ['Microscope Info', 'Name'], ['Microscope Info', 'Microscope']]));
  if (name) microscope.name = name;
  const voltage = num(tagValue(tags, 'Microscope Info', 'Voltage'));
  if (voltage !== undefined) microscope.voltage = voltage;
  const mag = num(tagValue(tags, 'Microscope Info', 'Indicated Magnification'));
  if (mag !== undefined) microscope.magnification = mag;
  const illumination = str(tagValue(tags, 'Microscope Info', 'Illumination Mode'));
  if (illumination) microscope.illuminationMode = illumination;
  const operation = str(tagValue(tags, 'Microscope Info', 'Operation Mode'));
  if (operation) microscope.operationMode = operation;
  const cameraLength = num(first(tags, [['Microscope Info', 'STEM Camera Length'], ['Microscope Info', 'Camera Length']]));
  if (cameraLength !== undefined) microscope.cameraLength = cameraLength;
  if (Object.keys(microscope).length > 0) out.microscope = microscope;
  let exposure: number | undefined;
  if (signal === 'EELS') {
    exposure = num(tagValue(tags, 'EELS', 'Acquisition', 'Integration time (s)'));
    const perFrame = num(tagValue(tags, 'EELS', 'Acquisition', 'Exposure (s)'));
    if (exposure === undefined && perFrame !== undefined) exposure = perFrame * (num(tagValue(tags, 'EELS', 'Acquisition', 'Number of frames')) ?? 1);
  }
  exposure ??= num(first(tags, [['Acquisition', 'Parameters', 'Detector', 'exposure (s)'], ['Acquisition', 'Parameters', 'High Level', 'Exposure (s)'], ['DataBar', 'Exposure Time (s)']]));
  if (exposure !== undefined) out.exposure = exposure;
  const dwell = num(tagValue(tags, 'DigiScan', 'Sample Time'));
  if (dwell !== undefined) out.dwellTime = dwell * 1e-6;
  const date = str(tagValue(tags, 'DataBar', 'Acquisition Date'));
  const time = str(tagValue(tags, 'DataBar', 'Acquisition Time'));
  if (date) out.acquisitionDate = date;
  if (time) out.acquisitionTime = time;
  return out;
}

export function readDm(bytes: Uint8Array, source: string): ImageArray {
  const file = parseDm(bytes, source);
  const { all, thumbnails } = images(file, source);
  const candidates = all.filter((im) => !thumbnails.has(im.index));
  if (candidates.length === 0) throw new FormatError(source, all.length === 0 ? 'ImageList is empty' : 'ImageList holds only thumbnails', 'ImageList');
  const image = candidates[0];
  const at = (p: string) => `${image.tag.path}/${p}`;

  const dataTypeValue = tagValue(image.group, 'ImageData', 'DataType');
  const dataType = num(dataTypeValue);
  if (dataType === undefined) throw new FormatError(source, 'the image has no numeric ImageData/DataType', at('ImageData/DataType'));
  const type = DATA_TYPES[dataType];
  if (!type) throw new FormatError(source, `image DataType ${dataType}${UNSUPPORTED_TYPES[dataType] ? ` (${UNSUPPORTED_TYPES[dataType]})` : ''} is not supported`, at('ImageData/DataType'));

  const dims = dimensions(image, source);
  const dataTag = findTag(image.group, 'ImageData', 'Data');
  if (!dataTag || !isArrayRef(dataTag.value)) throw new FormatError(source, 'the image has no ImageData/Data array', at('ImageData/Data'));
  const ref = dataTag.value;
  const count = dims.reduce((a, b) => a * b, 1);
  if (type.packed && dims.length !== 2) throw new FormatError(source, `packed complex (FFT) data must be 2-D, not [${dims.join(', ')}]`, at('ImageData/Dimensions'));
  const stored = type.packed ? dims[1] * (Math.floor(dims[0] / 2) + 1) : count;
  const need = stored * type.bytes;
  const have = ref.length * ref.elementSize;
  if (!Number.isSafeInteger(need) || need > have) {
    throw new FormatError(source, `Dimensions [${dims.join(', ')}] of ${type.dtype} need ${need} bytes but ImageData/Data holds ${have}`, `${dataTag.path}, byte ${ref.offset}`);
  }

  const decoded = decode(bytes, ref, dataType, stored, file.littleEndian);
  const { native, values, channels } = type.packed ? unpackHalfPlane(decoded.native as Float32Array | Float64Array, dims[1], dims[0]) : decoded;
  const shape = [...dims].reverse();
  const tags = tagValue(image.group, 'ImageTags');
  const fields = keyFields(image);
  const cal = calibrations(image, dims.length).reverse();
  const names = axisNames(cal.map((c) => c.unit), fields.signalFormat as string | undefined, fields.signal as string | undefined);
  let axes: Axis[] = shape.map((size, i) => ({ name: names[i], size, ...cal[i] }));
  let valueShape = shape;
  let valueData = values;
  if (channels > 1) {
    // Channel-first values ([c, y, x], or [n, c, y, x] for a stack) from the interleaved pixels.
    const plane = shape.length >= 2 ? shape[shape.length - 1] * shape[shape.length - 2] : shape[shape.length - 1];
    const planes = count / plane;
    const pixels = native as Uint8Array;
    valueData = new Float32Array(count * channels);
    for (let p = 0; p < planes; p++) {
      for (let c = 0; c < channels; c++) {
        const dst = (p * channels + c) * plane;
        for (let i = 0; i < plane; i++) valueData[dst + i] = pixels[(p * plane + i) * channels + c];
      }
    }
    const split = Math.max(0, shape.length - 2);
    valueShape = [...shape.slice(0, split), channels, ...shape.slice(split)];
    axes = [...axes.slice(0, split), { name: 'c', size: channels }, ...axes.slice(split)];
  }

  const brightness = tagValue(image.group, 'ImageData', 'Calibrations', 'Brightness');
  const intensity = isGroup(brightness)
    ? { scale: num(tagValue(brightness, 'Scale')), origin: num(tagValue(brightness, 'Origin')), unit: str(tagValue(brightness, 'Units')) }
    : undefined;

  return {
    values: tensor(valueShape, valueData),
    dtype: type.dtype,
    native,
    axes,
    metadata: {
      ...fields,
      ...(intensity ? { intensity } : {}),
      dm: {
        version: file.version,
        byteOrder: file.littleEndian ? 'little' : 'big',
        image: image.index,
        dataType,
        images: all.map((im) => ({ index: im.index, thumbnail: thumbnails.has(im.index), dataType: num(tagValue(im.group, 'ImageData', 'DataType')) })),
        ...(isGroup(tags) ? {} : { note: 'the image has no ImageTags' }),
      },
      tags: dmToObject(file.root),
    },
    format: 'dm',
  };
}

export const dmReader: Reader = {
  name: 'dm',
  description: 'Gatan DigitalMicrograph .dm3/.dm4 (all integer, float, complex, bool and RGB(A) images; 1–3 dimensions; calibrations and tags)',
  extensions: ['.dm3', '.dm4'],
  sniff: (head) => dmVersion(head) !== 0,
  read: readDm,
};
