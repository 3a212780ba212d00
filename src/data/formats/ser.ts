/**
 * FEI/Thermo Fisher TIA series files (.ser), with the .emi beside them as optional metadata, read as
 * RosettaSciIO's TIA reader (rsciio/tia) reads them. The layout (C. Boothroyd's description of the
 * TIA series format; all little-endian):
 *
 *   header      ByteOrder 0x4949 (byte 0) | SeriesID 0x0197 (2) | SeriesVersion 0x0210 or 0x0220 (4)
 *               DataTypeID (6: 0x4120 1D elements, 0x4122 2D) | TagTypeID (10: 0x4152 time,
 *               0x4142 time + position) | TotalNumberElements (14) | ValidNumberElements (18)
 *               OffsetArrayOffset (22; u4 for 0x0210, u8 for 0x0220) | NumberDimensions (26 or 30)
 *   dimensions  (from byte 30 or 34) DimensionSize u4, CalibrationOffset f8, CalibrationDelta f8,
 *               CalibrationElement u4, DescriptionLength u4 + text, UnitsLength u4 + text
 *   offsets     TotalNumberElements data offsets, then as many tag offsets (u4 or u8)
 *   1D element  CalibrationOffset f8, CalibrationDelta f8, CalibrationElement u4, DataType u2,
 *               ArrayLength u4, values
 *   2D element  the same calibration for X then Y, DataType u2, ArraySizeX u4, ArraySizeY u4,
 *               values (X fastest, bottom row first: rows are flipped, as rsciio does)
 *   DataType    1 uint8, 2 uint16, 3 uint32, 4 int8, 5 int16, 6 int32, 7 float32, 8 float64,
 *               9 complex64, 10 complex128 (values = magnitude, native = interleaved re, im)
 *
 * Shape and axes follow rsciio: the series dimensions (C order, or reversed when the position tags
 * show the first two elements on one row), dimensions of size 1 dropped for images, only the valid
 * elements of an interrupted 1D series, a map whose acquisition stopped early filled with NaN (float)
 * or 0 (up to 64 × the file's size); then the element: [ArrayLength] (axis 'e', eV) or [ArraySizeY, ArraySizeX] (axes 'y', 'x').
 * Series axes are 'n' (or 'y'/'x' when their unit is meters — 'scan_y'/'scan_x' for images — so the
 * names stay unique). Lengths in meters are given in nm, reciprocal lengths in 1 / nm, as rsciio.
 * Where rsciio leaves an offset in meters beside a scale in nm, the offset is converted too.
 *
 * The .emi (same stem: name_1.ser ↔ name.emi) holds one XML <ObjectInfo> per .ser; when it is there
 * its ExperimentalDescription (microscope, high tension, magnification, mode, camera length) and
 * AcquireDate go to `metadata.emi`, and its Mode decides whether image axes are lengths or
 * reciprocal lengths (rsciio's rule). A missing, unreadable or odd .emi is never an error.
 */
import { tensor } from '../../tensor/tensor.js';
import { checkClaimedSize, FormatError, type Axis, type ImageArray, type NativeArray, type Reader } from './reader.js';
import { complexMagnitude, ELEMENT_BYTES, readElements, toFloat32, type ElementKind } from './raw-elements.js';
import { emiBeside, type EmiInfo } from './ser-emi.js';

export { emiBeside, parseEmi, type EmiInfo } from './ser-emi.js';

const SPECTRUM = 0x4120;
const IMAGE = 0x4122;
const TAG_XY = 0x4142;
/** An interrupted map is filled up to this multiple of the file's size (a 10%-acquired map fills 10×). */
const FILL_LIMIT = 64;

interface DataTypeInfo {
  readonly name: string;
  readonly kind: ElementKind;
  readonly per: number;
}
const DATA_TYPES: Readonly<Record<number, DataTypeInfo>> = {
  1: { name: 'uint8', kind: 'uint8', per: 1 },
  2: { name: 'uint16', kind: 'uint16', per: 1 },
  3: { name: 'uint32', kind: 'uint32', per: 1 },
  4: { name: 'int8', kind: 'int8', per: 1 },
  5: { name: 'int16', kind: 'int16', per: 1 },
  6: { name: 'int32', kind: 'int32', per: 1 },
  7: { name: 'float32', kind: 'float32', per: 1 },
  8: { name: 'float64', kind: 'float64', per: 1 },
  9: { name: 'complex64', kind: 'float32', per: 2 },
  10: { name: 'complex128', kind: 'float64', per: 2 },
};

interface Dimension {
  readonly size: number;
  readonly calibrationOffset: number;
  readonly calibrationDelta: number;
  readonly calibrationElement: number;
  readonly description: string;
  readonly units: string;
}

interface ElementHeader {
  readonly dataType: number;
  /** [ArrayLength] or [ArraySizeY, ArraySizeX] */
  readonly shape: number[];
  readonly headerBytes: number;
  readonly calibration: Record<string, number>;
}

function sniffSer(head: Uint8Array): boolean {
  if (head.length < 6) return false;
  const u16 = (o: number) => head[o] | (head[o + 1] << 8);
  return u16(0) === 0x4949 && u16(2) === 0x0197 && (u16(4) === 0x0210 || u16(4) === 0x0220);
}

function text(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '';
  return s;
}

/** Reads a .ser file's bytes; `emi` is what `parseEmi` found beside it, if anything. */
export function parseSer(bytes: Uint8Array, source: string, emi?: EmiInfo): ImageArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (end: number, what: string, at: number) => {
    if (end > bytes.length) throw new FormatError(source, `truncated: ${what} needs bytes up to ${end} but the file has ${bytes.length}`, `byte ${at}`);
  };
  need(30, 'the series header', 0);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const f64 = (o: number) => view.getFloat64(o, true);
  const u64 = (o: number, what: string) => {
    const v = view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(source, `${what} ${v} is beyond any file`, `byte ${o}`);
    return Number(v);
  };

  if (u16(0) !== 0x4949) throw new FormatError(source, `ByteOrder is 0x${u16(0).toString(16)}, a TIA series file has 0x4949`, 'header field ByteOrder (byte 0)');
  if (u16(2) !== 0x0197) throw new FormatError(source, `SeriesID is 0x${u16(2).toString(16)}, a TIA series file has 0x0197`, 'header field SeriesID (byte 2)');
  const version = u16(4);
  if (version !== 0x0210 && version !== 0x0220) throw new FormatError(source, `SeriesVersion 0x${version.toString(16)} is not 0x0210 or 0x0220`, 'header field SeriesVersion (byte 4)');
  const wide = version === 0x0220;
  const offsetSize = wide ? 8 : 4;
  const dataTypeId = u32(6);
  if (dataTypeId !== SPECTRUM && dataTypeId !== IMAGE) throw new FormatError(source, `DataTypeID 0x${dataTypeId.toString(16)} is neither 0x4120 (1D elements) nor 0x4122 (2D elements)`, 'header field DataTypeID (byte 6)');
  const spectrum = dataTypeId === SPECTRUM;
  const tagTypeId = u32(10);
  const total = u32(14);
  const valid = u32(18);
  if (valid === 0) throw new FormatError(source, 'no valid elements (ValidNumberElements is 0; a single spectrum may live in the .emi, which is not read for data)', 'header field ValidNumberElements (byte 18)');
  if (valid > total) throw new FormatError(source, `ValidNumberElements ${valid} exceeds TotalNumberElements ${total}`, 'header field ValidNumberElements (byte 18)');
  need(wide ? 34 : 30, 'the series header', 0);
  const offsetArrayOffset = wide ? u64(22, 'OffsetArrayOffset') : u32(22);
  const ndimAt = wide ? 30 : 26;
  const ndim = u32(ndimAt);

  // Dimension array
  const dims: Dimension[] = [];
  let p = wide ? 34 : 30;
  if (ndim > (bytes.length - p) / 32) throw new FormatError(source, `NumberDimensions ${ndim} cannot fit in ${bytes.length} bytes`, `header field NumberDimensions (byte ${ndimAt})`);
  for (let d = 0; d < ndim; d++) {
    const at = p;
    need(p + 28, `dimension ${d + 1}`, at);
    const descriptionLength = u32(p + 24);
    need(p + 28 + descriptionLength + 4, `dimension ${d + 1}'s description`, p + 24);
    const description = text(bytes.subarray(p + 28, p + 28 + descriptionLength));
    const unitsAt = p + 28 + descriptionLength;
    const unitsLength = u32(unitsAt);
    need(unitsAt + 4 + unitsLength, `dimension ${d + 1}'s units`, unitsAt);
    dims.push({
      size: u32(p),
      calibrationOffset: f64(p + 4),
      calibrationDelta: f64(p + 12),
      calibrationElement: u32(p + 20),
      description,
      units: text(bytes.subarray(unitsAt + 4, unitsAt + 4 + unitsLength)),
    });
    p = unitsAt + 4 + unitsLength;
  }

  // Offset arrays: the valid elements' data offsets (required) and tag offsets (optional).
  if (offsetArrayOffset > bytes.length || valid * offsetSize > bytes.length - offsetArrayOffset) {
    throw new FormatError(source, `the data offset array (${valid} × ${offsetSize} bytes at ${offsetArrayOffset}) runs past the end of the file (${bytes.length} bytes)`, 'header field OffsetArrayOffset (byte 22)');
  }
  const offsetAt = (i: number, base: number) => (wide ? u64(base + 8 * i, `element ${i} offset`) : u32(base + 4 * i));
  const dataOffsets: number[] = [];
  for (let i = 0; i < valid; i++) dataOffsets.push(offsetAt(i, offsetArrayOffset));
  const tagBase = offsetArrayOffset + total * offsetSize;

  // Elements: all must have the first one's type and size.
  const elementHeader = (at: number, i: number): ElementHeader => {
    const headerBytes = spectrum ? 26 : 50;
    need(at + headerBytes, `element ${i}'s header`, at);
    const dtAt = at + (spectrum ? 20 : 40);
    const dataType = u16(dtAt);
    if (!(dataType in DATA_TYPES)) throw new FormatError(source, `element ${i} has DataType ${dataType}; TIA data types are 1–10`, `element ${i} DataType (byte ${dtAt})`);
    if (spectrum) {
      return { dataType, shape: [u32(at + 22)], headerBytes, calibration: { offset: f64(at), delta: f64(at + 8), element: u32(at + 16) } };
    }
    return {
      dataType,
      shape: [u32(at + 46), u32(at + 42)],
      headerBytes,
      calibration: { offsetX: f64(at), deltaX: f64(at + 8), elementX: u32(at + 16), offsetY: f64(at + 20), deltaY: f64(at + 28), elementY: u32(at + 36) },
    };
  };
  const first = elementHeader(dataOffsets[0], 0);
  const info = DATA_TYPES[first.dataType];
  const elementValues = first.shape.reduce((a, b) => a * b, 1);
  const itemBytes = ELEMENT_BYTES[info.kind] * info.per;
  checkClaimedSize(source, valid * elementValues, itemBytes, bytes.length, `element 0 at byte ${dataOffsets[0]} (${valid} valid elements of [${first.shape.join(', ')}] ${info.name})`);
  const elementBytes = elementValues * itemBytes;
  const packed = new Uint8Array(valid * elementBytes);
  const rowBytes = spectrum ? elementBytes : first.shape[1] * itemBytes;
  const rows = spectrum ? 1 : first.shape[0];
  for (let i = 0; i < valid; i++) {
    const at = dataOffsets[i];
    const h = i === 0 ? first : elementHeader(at, i);
    if (h.dataType !== first.dataType || h.shape.some((s, k) => s !== first.shape[k])) {
      throw new FormatError(source, `element ${i} is [${h.shape.join(', ')}] of DataType ${h.dataType}, element 0 is [${first.shape.join(', ')}] of DataType ${first.dataType}`, `element ${i} (byte ${at})`);
    }
    const start = at + h.headerBytes;
    need(start + elementBytes, `element ${i}'s values`, start);
    // 2D elements are stored bottom row first: copy rows reversed (rsciio's data[..., ::-1, :]).
    for (let r = 0; elementBytes > 0 && r < rows; r++) {
      const src = start + (rows - 1 - r) * rowBytes;
      packed.set(bytes.subarray(src, src + rowBytes), i * elementBytes + r * rowBytes);
    }
  }

  // Tags (time, and position for 0x4142): read through the tag offset array; never an error.
  const times: number[] = [];
  const positions: [number, number][] = [];
  try {
    if (tagBase + valid * offsetSize <= bytes.length) {
      for (let i = 0; i < valid; i++) {
        const at = offsetAt(i, tagBase);
        if (at + 8 > bytes.length) break;
        const type = u16(at);
        times.push(u32(at + 4));
        if (type === TAG_XY && at + 24 <= bytes.length) positions.push([f64(at + 8), f64(at + 16)]);
      }
    }
  } catch {
    // an unreadable tag offset: tags are optional
  }
  const order = positions.length === valid && valid > 1 && positions[0][1] === positions[1][1] ? 'F' : 'C';

  // Series axes, rsciio's rules.
  interface Cal {
    name?: string;
    size: number;
    scale: number;
    offset: number;
    units?: string;
  }
  const series: Cal[] = [];
  if (ndim === 0) series.push({ size: valid, scale: 1, offset: 0 });
  else {
    const spatial = ['x', 'y'].slice(0, ndim);
    for (let i = 0; i < ndim; i++) {
      const d = dims[order === 'C' ? i : ndim - 1 - i];
      if (!spectrum && dims[i].size === 1) continue;
      const units = d.units.length > 0 ? d.units : undefined;
      series.push({ name: units === 'meters' ? spatial.pop() : undefined, size: d.size, scale: d.calibrationDelta, offset: d.calibrationOffset, units });
    }
    if (ndim === 1 && total !== valid && series.length > 0) {
      if (valid === 1) series.length = 0;
      else series[0].size = valid;
    }
  }
  let seriesCount = series.reduce((a, s) => a * s.size, 1);
  if (seriesCount !== valid && ndim === 1 && series.length === 1) {
    series[0].size = valid;
    seriesCount = valid;
  }
  if (seriesCount < valid) throw new FormatError(source, `the series dimensions [${series.map((s) => s.size).join(', ')}] hold fewer than the ${valid} valid elements`, `header field NumberDimensions (byte ${ndimAt})`);

  // Element axes
  const element: Cal[] = [];
  if (spectrum) element.push({ name: 'e', size: first.shape[0], scale: first.calibration.delta, offset: first.calibration.offset, units: 'eV' });
  else {
    const units = emi ? unitsFromEmi(emi, dims) : 'meters';
    const c = first.calibration;
    element.push({ name: 'y', size: first.shape[0], scale: c.deltaY, offset: c.offsetY - c.elementY * c.deltaY, units });
    element.push({ name: 'x', size: first.shape[1], scale: c.deltaX, offset: c.offsetX - c.elementX * c.deltaX, units });
  }

  // Values: a map interrupted early is filled (NaN for float, 0 otherwise), within reason.
  let native = readElements(packed, 0, valid * elementValues * info.per, info.kind, true);
  if (seriesCount > valid) {
    const full = seriesCount * elementValues * info.per;
    // Bounded by the file: a hostile header must not make a tiny file allocate gigabytes.
    if (full * ELEMENT_BYTES[info.kind] > FILL_LIMIT * bytes.length) {
      throw new FormatError(source, `the series dimensions claim ${seriesCount} elements but only ${valid} are valid; filling the rest would need ${full * ELEMENT_BYTES[info.kind]} bytes, over ${FILL_LIMIT} × the file's size`, `header field TotalNumberElements (byte 14)`);
    }
    const Ctor = native.constructor as new (n: number) => NativeArray;
    const filled = new Ctor(full);
    if (filled instanceof Float32Array || filled instanceof Float64Array) filled.fill(info.per === 2 ? 0 : NaN);
    (filled as Float32Array).set(native as Float32Array);
    native = filled;
  }
  const values = info.per === 2 ? complexMagnitude(native as Float32Array | Float64Array) : toFloat32(native);

  const seriesNames = nameSeries(series, spectrum);
  const axes: Axis[] = [...series.map((s, i) => toAxis({ ...s, name: seriesNames[i] })), ...element.map(toAxis)];
  const shape = axes.map((a) => a.size);
  const metadata: Record<string, unknown> = {
    seriesVersion: `0x${version.toString(16).padStart(4, '0')}`,
    elements: spectrum ? '1D (spectra, DataTypeID 0x4120)' : '2D (images, DataTypeID 0x4122)',
    dataType: first.dataType,
    tagTypeId: `0x${tagTypeId.toString(16)}`,
    totalNumberElements: total,
    validNumberElements: valid,
    dimensions: dims,
    elementCalibration: first.calibration,
    seriesOrder: order,
    ...(times.length ? { firstTime: times[0], lastTime: times[times.length - 1] } : {}),
    ...(positions.length ? { firstPosition: positions[0] } : {}),
    ...(emi ? { emi } : {}),
  };
  return { values: tensor(shape, values), dtype: info.name, native, axes, metadata, format: 'ser' };
}

/** Series axis names: rsciio's spatial names (prefixed 'scan_' beside image axes), else 'n', 'n1', … */
function nameSeries(series: readonly { name?: string }[], spectrum: boolean): string[] {
  let unnamed = 0;
  const count = series.filter((s) => !s.name).length;
  return series.map((s) => {
    if (s.name) return spectrum ? s.name : `scan_${s.name}`;
    const k = unnamed++;
    return count === 1 || k === 0 ? 'n' : `n${k}`;
  });
}

function toAxis(c: { name?: string; size: number; scale: number; offset: number; units?: string }): Axis {
  let { scale, offset, units } = c;
  if (units === 'meters') {
    units = 'nm';
    scale *= 1e9;
    offset *= 1e9;
  } else if (units === '1/meters') {
    units = '1 / nm';
    scale /= 1e9;
    offset /= 1e9;
  }
  return { name: c.name ?? 'n', size: c.size, scale, offset, ...(units ? { unit: units } : {}) };
}

/** rsciio's `_guess_units_from_mode`: image axes are reciprocal in diffraction. */
function unitsFromEmi(emi: EmiInfo, dims: readonly Dimension[]): string {
  if (emi.mode === undefined || dims.length === 0) return 'meters';
  const isCamera = emi.camera !== undefined;
  const isImageStack = dims[0].units.length === 0;
  const isDiffractionScan = dims[0].size > 1 && !isImageStack;
  if (emi.mode.includes('STEM')) return isCamera || isDiffractionScan ? '1/meters' : 'meters';
  if (emi.mode.includes('Diffraction')) return '1/meters';
  return 'meters';
}

export const serReader: Reader = {
  name: 'ser',
  description: 'FEI/Thermo Fisher TIA series (.ser, versions 0x0210/0x0220): spectra and images, series and maps; .emi metadata when beside it',
  extensions: ['.ser'],
  sniff: sniffSer,
  async read(bytes, source) {
    return parseSer(bytes, source, await emiBeside(source));
  },
};
