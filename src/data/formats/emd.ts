/**
 * EMD (Electron Microscopy Dataset, HDF5) in its two flavours, read through h5wasm (see h5.ts):
 *
 * - **Berkeley EMD** (emdatasets.com; NCEM, ncempy, py4DSTEM, HyperSpy's EMD writer): any group
 *   with the attribute `emd_group_type = 1` holds a `data` dataset (also `datacube`,
 *   `diffractionslice`… as rosettasciio accepts) and one vector `dimK` per axis with `name` and
 *   `units` attributes. dimK describes stored axis K-1 — dim1 is the slowest axis in C order (files
 *   with a `dim0` count from 0). The array is returned as stored; rosettasciio/HyperSpy instead show
 *   it transposed (they treat it as Fortran-ordered), so an image written by HyperSpy arrives here as
 *   [x, y] with its axes named so. Calibration: offset = first value, scale = mean step.
 * - **Thermo Fisher Velox**: `/Data/Image/<uuid>/Data` stored [y, x, frames], and beside it
 *   `Metadata`, a uint8 [L, frames] array whose columns are NUL-padded JSON blobs. Returned as
 *   [N, y, x] (frames first, N = 1 kept), pixel size and offset from `BinaryResult` converted to nm
 *   (reciprocal sizes to 1/nm), the frame time on 'n', and the key metadata (high tension,
 *   magnification, detector, microscope) from frame 0's blob.
 *
 * A file can hold several datasets: `readEmd(bytes, source, { dataset })` picks one by its HDF5
 * path (or its group's path, or a Velox uuid); the registry's `emdReader` reads the first image
 * (rank ≥ 2) dataset. Either way `metadata.datasets` lists every dataset with its path, shape,
 * dtype and calibrated axes, so a later `--dataset` option can choose.
 *
 * Not read: Velox spectra and spectrum images (`Data/Spectrum*`, EDS streams, EELS) — listed as
 * unsupported; Berkeley point lists (compound types); float16; string datasets.
 */
import { tensor } from '../../tensor/tensor.js';
import { H5Problem, H5T, decodeNumbers, withH5File, type H5DatasetInfo, type H5File, type H5Limits } from './h5.js';
import { FormatError, type Axis, type ImageArray, type NativeArray, type Reader } from './reader.js';

export interface EmdDataset {
  /** HDF5 path of the array ('/Data/Image/<uuid>/Data', '/data/image/data'). */
  readonly path: string;
  readonly flavour: 'berkeley' | 'velox';
  /** Shape as returned (Velox: [N, y, x]); the dtype in the file ('uint16', 'complex64'…). */
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly axes: readonly Axis[];
  /** Rank ≥ 2: what the registry's default picks first. */
  readonly image: boolean;
  /** False for datasets this reader lists but cannot read (note says why). */
  readonly supported: boolean;
  readonly note?: string;
  readonly detector?: string;
}

export interface EmdOptions {
  /** Which dataset: its HDF5 path, its group's path, or (Velox) its uuid. Default: the first image. */
  readonly dataset?: string;
  /** Time limits for the HDF5 worker (tests use short ones). */
  readonly limits?: H5Limits;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Signature(head: Uint8Array): boolean {
  return head.length >= 8 && HDF5_SIGNATURE.every((b, i) => head[i] === b);
}

/** Dataset names rosettasciio accepts inside an emd_group_type=1 group. */
const BERKELEY_NAMES = ['data', 'counted_datacube', 'datacube', 'diffractionslice', 'realslice', 'pointlistarray', 'pointlist'];

// ---------------------------------------------------------------------------------------------
// Element types

interface ElementType {
  readonly dtype: string;
  /** Values per element in `native` (2 for complex: interleaved re, im). */
  readonly parts: number;
}

function elementType(info: H5DatasetInfo): ElementType | undefined {
  const { type, size, signed } = info;
  if (type === H5T.INTEGER && [1, 2, 4, 8].includes(size)) return { dtype: `${signed ? 'int' : 'uint'}${size * 8}`, parts: 1 };
  if (type === H5T.FLOAT && (size === 4 || size === 8)) return { dtype: `float${size * 8}`, parts: 1 };
  if (type === H5T.ENUM && size === 1 && info.enumMembers && Object.keys(info.enumMembers).sort().join() === 'FALSE,TRUE') return { dtype: 'bool', parts: 1 };
  if (type === H5T.COMPOUND && info.members?.length === 2) {
    const [re, im] = info.members;
    if (re.type === H5T.FLOAT && im.type === H5T.FLOAT && re.size === im.size && (re.size === 4 || re.size === 8) && size >= 2 * re.size) {
      return { dtype: `complex${re.size * 16}`, parts: 2 };
    }
  }
  return undefined;
}

function typeDescription(info: H5DatasetInfo): string {
  const names: Record<number, string> = { 0: 'integer', 1: 'float', 2: 'time', 3: 'string', 4: 'bitfield', 5: 'opaque', 6: 'compound', 7: 'reference', 8: 'enum', 9: 'variable-length', 10: 'array' };
  return `${names[info.type] ?? `class ${info.type}`} of ${info.size} bytes`;
}

/** A {real, imag} compound's parts: the member named real… first (Velox: realFloat, realFloatHalfEven…), else in order. */
function complexParts(info: H5DatasetInfo): [{ offset: number; size: number }, { offset: number; size: number }] {
  const [a, b] = info.members!;
  return /^imag/i.test(a.name) && /^real/i.test(b.name) ? [b, a] : [a, b];
}

/** The dataset's elements in their own type (complex: interleaved float pairs), little-endian. */
function decodeNative(file: H5File, info: H5DatasetInfo, et: ElementType): NativeArray {
  const raw = file.read(info);
  if (et.parts === 1) {
    const elementClass = info.type === H5T.ENUM ? H5T.INTEGER : info.type;
    const out = decodeNumbers(raw, elementClass, info.size, et.dtype !== 'bool' && info.signed);
    if (!out) throw new H5Problem(`unsupported element type ${typeDescription(info)}`, info.path);
    return out as NativeArray;
  }
  const [re, im] = complexParts(info);
  const n = info.elements;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = re.size === 4 ? new Float32Array(2 * n) : new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const at = i * info.size;
    out[2 * i] = re.size === 4 ? view.getFloat32(at + re.offset, true) : view.getFloat64(at + re.offset, true);
    out[2 * i + 1] = im.size === 4 ? view.getFloat32(at + im.offset, true) : view.getFloat64(at + im.offset, true);
  }
  return out;
}

function toFloat32(native: NativeArray, parts: number): Float32Array {
  if (parts === 2) {
    const n = native.length / 2;
    const out = new Float32Array(n);
    const c = native as Float32Array | Float64Array;
    for (let i = 0; i < n; i++) out[i] = Math.hypot(c[2 * i], c[2 * i + 1]);
    return out;
  }
  if (native instanceof Float32Array) return native;
  const out = new Float32Array(native.length);
  if (native instanceof BigInt64Array || native instanceof BigUint64Array) for (let i = 0; i < native.length; i++) out[i] = Number(native[i]);
  else out.set(native);
  return out;
}

/** [y, x, frames] (each element `parts` values) → [frames, y, x]. */
function framesFirst(native: NativeArray, h: number, w: number, frames: number, parts: number): NativeArray {
  if (frames === 1) return native;
  const out = new (native.constructor as new (n: number) => NativeArray)(native.length);
  const plane = h * w;
  for (let p = 0; p < plane; p++) {
    for (let f = 0; f < frames; f++) {
      const from = (p * frames + f) * parts;
      const to = (f * plane + p) * parts;
      for (let k = 0; k < parts; k++) (out as unknown as unknown[])[to + k] = (native as unknown as unknown[])[from + k];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Survey: every dataset with its axes, without reading the arrays

interface Entry extends EmdDataset {
  readonly info?: H5DatasetInfo;
  readonly et?: ElementType;
  /** Velox: frame 0's metadata blob; Berkeley: the dim vectors' paths. */
  readonly velox?: Record<string, unknown>;
  readonly warnings: readonly string[];
  readonly dims?: readonly { path: string; name?: string; units?: string }[];
}

function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

function asNumber(v: unknown): number | undefined {
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** rsciio's reading of a Berkeley `units` attribute: '[n_m]' → 'nm', '[1/n_m]'… joined by ' * '; 'A' → 'Å'. */
export function berkeleyUnit(raw: string): string {
  let value = raw.trim();
  if (value === 'A' || value === 'A^-1') value = value.replace('A', 'Å');
  const bracketed = value.match(/\[.+?\]/g);
  if (bracketed) value = bracketed.map((u) => u.slice(1, -1).replace(/_/g, '')).join(' * ');
  return value;
}

function defaultAxisNames(rank: number): string[] {
  const tail = ['n', 'y', 'x'].slice(Math.max(0, 3 - rank));
  return [...Array.from({ length: Math.max(0, rank - 3) }, (_, i) => `d${i}`), ...tail];
}

function attr(file: H5File, path: string, name: string, names?: readonly string[]): unknown {
  const all = names ?? file.attributeNames(path);
  return all.includes(name) ? file.attribute(path, name) : undefined;
}

function berkeleyEntries(file: H5File): Entry[] {
  const entries: Entry[] = [];
  const groups = file.paths().filter((p) => file.kind(p) === 'group');
  for (const group of ['/', ...groups]) {
    if (asNumber(attr(file, group, 'emd_group_type')) !== 1) continue;
    const children = file.children(group);
    const base = children.includes('dim0') ? 0 : 1;
    for (const name of children) {
      if (!BERKELEY_NAMES.some((n) => name.startsWith(n))) continue;
      const path = `${group === '/' ? '' : group}/${name}`;
      if (file.kind(path) !== 'dataset') continue;
      const info = file.dataset(path);
      const et = elementType(info);
      const defaults = defaultAxisNames(info.shape.length);
      const warnings: string[] = [];
      const dims: { path: string; name?: string; units?: string }[] = [];
      const axes: Axis[] = info.shape.map((size, k) => {
        const dimPath = `${group === '/' ? '' : group}/dim${k + base}`;
        if (!children.includes(`dim${k + base}`) || file.kind(dimPath) !== 'dataset') {
          warnings.push(`no ${dimPath} for axis ${k}`);
          return { name: defaults[k], size };
        }
        const dimNames = file.attributeNames(dimPath);
        const label = asString(attr(file, dimPath, 'name', dimNames))?.trim();
        const rawUnits = asString(attr(file, dimPath, 'units', dimNames));
        const unit = rawUnits === undefined ? undefined : berkeleyUnit(rawUnits);
        dims.push({ path: dimPath, name: label, units: rawUnits });
        const axis: { name: string; size: number; scale?: number; offset?: number; unit?: string } = { name: label || defaults[k], size };
        const dimInfo = file.dataset(dimPath);
        if ((dimInfo.type === H5T.INTEGER || dimInfo.type === H5T.FLOAT) && dimInfo.shape.length === 1 && dimInfo.elements >= 1) {
          const v = decodeNumbers(file.read(dimInfo), dimInfo.type, dimInfo.size, dimInfo.signed);
          if (v) {
            const values = Array.from(v as ArrayLike<number | bigint>, Number);
            axis.offset = values[0];
            if (values.length >= 2) {
              let sum = 0;
              for (let i = 1; i < values.length; i++) sum += values[i] - values[i - 1];
              axis.scale = sum / (values.length - 1);
            }
            if (values.length !== size) warnings.push(`${dimPath} has ${values.length} values for an axis of ${size}`);
          }
        }
        if (unit) axis.unit = unit;
        return axis;
      });
      entries.push({
        path,
        flavour: 'berkeley',
        shape: info.shape,
        dtype: et?.dtype ?? typeDescription(info),
        axes,
        image: info.shape.length >= 2,
        supported: et !== undefined,
        note: et ? undefined : `unsupported element type ${typeDescription(info)}`,
        info,
        et,
        warnings,
        dims,
      });
    }
  }
  return entries;
}

function parseJsonText(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text.replace(/\0+$/, ''));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function get(obj: unknown, path: string): unknown {
  let node = obj;
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Frame 0's JSON blob of a Velox `Metadata` array [L, frames]. */
function veloxBlob(file: H5File, path: string, warnings: string[]): Record<string, unknown> | undefined {
  if (file.kind(path) !== 'dataset') {
    warnings.push(`no ${path}`);
    return undefined;
  }
  const info = file.dataset(path);
  if (info.type !== H5T.INTEGER || info.size !== 1 || info.shape.length !== 2 || info.shape[0] === 0 || info.shape[1] === 0) {
    warnings.push(`${path} is not a uint8 [length, frames] array`);
    return undefined;
  }
  const raw = file.read(info, { offset: [0, 0], count: [info.shape[0], 1] });
  const end = raw.indexOf(0);
  const blob = parseJsonText(new TextDecoder('utf-8').decode(end < 0 ? raw : raw.subarray(0, end)));
  if (!blob) warnings.push(`${path} does not hold a JSON object`);
  return blob;
}

/** Velox's `Operations` (files before version 11): which detector or computation made each image. */
function veloxOperations(file: H5File): Map<string, Record<string, unknown>[]> {
  const ops = new Map<string, Record<string, unknown>[]>();
  if (file.kind('/Operations') !== 'group') return ops;
  for (const kind of file.children('/Operations')) {
    const group = `/Operations/${kind}`;
    if (file.kind(group) !== 'group') continue;
    const list: Record<string, unknown>[] = [];
    for (const id of file.children(group)) {
      const path = `${group}/${id}`;
      if (file.kind(path) !== 'dataset') continue;
      const info = file.dataset(path);
      if (info.type !== H5T.STRING || info.elements < 1) continue;
      const op = parseJsonText(file.strings(info)[0]);
      if (op) list.push(op);
    }
    ops.set(kind, list);
  }
  return ops;
}

/** The detector name as rosettasciio finds it: Operations first (older files), then BinaryResult/Detectors. */
function veloxDetector(uuid: string, blob: Record<string, unknown> | undefined, ops: Map<string, Record<string, unknown>[]>): string | undefined {
  const has = (op: Record<string, unknown>, key: string) => typeof op[key] === 'string' && (op[key] as string).includes(uuid);
  const dpc = (op: Record<string, unknown>) => (op.integrationMode === 'true' ? 'iDPC' : 'dDPC');
  for (const op of ops.get('CameraInputOperation') ?? []) if (has(op, 'dataPath')) return String(op.cameraName);
  for (const op of ops.get('StemInputOperation') ?? []) if (has(op, 'dataPath')) return String(op.detector);
  for (const op of ops.get('SurfaceReconstructionOperation') ?? []) {
    if (has(op, 'unfilteredDataPath')) return dpc(op);
    if (has(op, 'dataPath')) return op.enableFilter === 'true' ? `Filtered ${dpc(op)}` : dpc(op);
  }
  for (const op of ops.get('MathematicsOperation') ?? []) {
    if (has(op, 'dataPath')) {
      const index = get(op, 'outputs.0.inputIndex');
      if (index === '0') return 'A-C';
      if (index === '1') return 'B-D';
    }
  }
  for (const op of ops.get('DpcOperation') ?? []) if (has(op, 'dataPath')) return 'DPC';
  for (const op of ops.get('IntegrationOperation') ?? []) if (has(op, 'dataPath')) return 'DCFI';
  for (const op of ops.get('FftOperation') ?? []) if (has(op, 'imageOutputPath')) return 'Half FFT';
  const index = asString(get(blob, 'BinaryResult.DetectorIndex'));
  const byIndex = index !== undefined ? asString(get(blob, `Detectors.Detector-${index}.DetectorName`)) : undefined;
  return byIndex ?? asString(get(blob, 'BinaryResult.Detector'));
}

/** Length units to nm (and reciprocal lengths to 1/nm); undefined for units this table does not know. */
const TO_NM: Readonly<Record<string, number>> = { m: 1e9, cm: 1e7, mm: 1e6, um: 1e3, 'µm': 1e3, 'μm': 1e3, nm: 1, pm: 1e-3, A: 0.1, 'Å': 0.1 };

function lengthInNm(value: number, unit: string): { value: number; unit: string } | undefined {
  const u = unit.trim();
  if (u in TO_NM) return { value: value * TO_NM[u], unit: 'nm' };
  const reciprocal = /^1\s*\/\s*(.+)$/.exec(u);
  if (reciprocal && reciprocal[1] in TO_NM) return { value: value / TO_NM[reciprocal[1]], unit: '1/nm' };
  return undefined;
}

function veloxEntries(file: H5File): Entry[] {
  const entries: Entry[] = [];
  if (file.kind('/Data') !== 'group') return entries;
  const kinds = file.children('/Data');
  const ops = kinds.includes('Image') ? veloxOperations(file) : new Map<string, Record<string, unknown>[]>();
  for (const kind of kinds) {
    const group = `/Data/${kind}`;
    if (file.kind(group) !== 'group') continue;
    for (const uuid of file.children(group)) {
      const path = `${group}/${uuid}/Data`;
      if (file.kind(path) !== 'dataset') continue;
      const info = file.dataset(path);
      const et = elementType(info);
      if (kind !== 'Image') {
        entries.push({ path, flavour: 'velox', shape: info.shape, dtype: et?.dtype ?? typeDescription(info), axes: info.shape.map((size, i) => ({ name: `d${i}`, size })), image: false, supported: false, note: `Velox ${kind} data is not read (spectra and spectrum images are not supported)`, warnings: [] });
        continue;
      }
      const warnings: string[] = [];
      const blob = veloxBlob(file, `${group}/${uuid}/Metadata`, warnings);
      const rankOk = info.shape.length === 3 || info.shape.length === 2;
      const [h, w, frames] = info.shape.length === 3 ? info.shape : [info.shape[0] ?? 0, info.shape[1] ?? 0, 1];
      const axes: Axis[] = rankOk ? veloxAxes(blob, h, w, frames, warnings) : info.shape.map((size, i) => ({ name: `d${i}`, size }));
      const detector = veloxDetector(uuid, blob, ops);
      const supported = et !== undefined && rankOk;
      entries.push({
        path,
        flavour: 'velox',
        shape: rankOk ? [frames, h, w] : info.shape,
        dtype: et?.dtype ?? typeDescription(info),
        axes,
        image: rankOk,
        supported,
        note: supported ? undefined : !rankOk ? `a Velox image of rank ${info.shape.length} (expected [y, x, frames])` : `unsupported element type ${typeDescription(info)}`,
        detector,
        info,
        et,
        velox: blob,
        warnings,
      });
    }
  }
  return entries;
}

function veloxAxes(blob: Record<string, unknown> | undefined, h: number, w: number, frames: number, warnings: string[]): Axis[] {
  const n: { name: string; size: number; scale?: number; offset?: number; unit?: string } = { name: 'n', size: frames };
  if (frames > 1) {
    const index = asString(get(blob, 'BinaryResult.DetectorIndex'));
    const t = asNumber(get(blob, 'Scan.FrameTime')) ?? (index !== undefined ? asNumber(get(blob, `Detectors.Detector-${index}.ExposureTime`)) : undefined);
    if (t !== undefined) Object.assign(n, { offset: 0, scale: t, unit: 's' });
  }
  const unit = asString(get(blob, 'BinaryResult.PixelUnitX')) ?? '';
  const spatial = (name: 'y' | 'x', size: number): Axis => {
    const step = asNumber(get(blob, `BinaryResult.PixelSize.${name === 'x' ? 'width' : 'height'}`));
    const offset = asNumber(get(blob, `BinaryResult.Offset.${name}`)) ?? 0;
    if (step === undefined) return { name, size };
    const s = lengthInNm(step, unit);
    const o = lengthInNm(offset, unit);
    if (!s || !o) {
      if (blob) warnings.push(`pixel unit '${unit}' is not a length; scale kept as stored`);
      return unit ? { name, size, scale: step, offset, unit } : { name, size, scale: step, offset };
    }
    return { name, size, scale: s.value, offset: o.value, unit: s.unit };
  };
  return [n, spatial('y', h), spatial('x', w)];
}

// ---------------------------------------------------------------------------------------------
// Reading

function summary(e: Entry): EmdDataset {
  const out: EmdDataset = { path: e.path, flavour: e.flavour, shape: [...e.shape], dtype: e.dtype, axes: e.axes, image: e.image, supported: e.supported, ...(e.note ? { note: e.note } : {}), ...(e.detector ? { detector: e.detector } : {}) };
  return out;
}

function choose(entries: readonly Entry[], wanted: string | undefined, source: string): Entry {
  if (wanted !== undefined) {
    const q = `/${wanted.trim().replace(/^\/+|\/+$/g, '')}`;
    const hit = entries.find((e) => e.path === q || e.path.slice(0, e.path.lastIndexOf('/')) === q || (e.flavour === 'velox' && e.path.split('/')[3] === q.slice(1)));
    if (!hit) throw new FormatError(source, `no dataset '${wanted}'; the file has ${entries.map((e) => e.path).join(', ')}`, q);
    return hit;
  }
  const pick = entries.find((e) => e.image && e.supported) ?? entries.find((e) => e.supported);
  if (!pick) throw new FormatError(source, `no dataset this reader can read: ${entries.map((e) => `${e.path} (${e.note ?? e.dtype})`).join('; ')}`, entries[0]?.path);
  return pick;
}

function veloxMetadata(e: Entry, version: Record<string, unknown> | undefined): Record<string, unknown> {
  const b = e.velox;
  const num = (p: string) => asNumber(get(b, p));
  const str = (p: string) => asString(get(b, p));
  const hv = num('Optics.AccelerationVoltage');
  const camera = num('Optics.CameraLength');
  const started = num('Acquisition.AcquisitionStartDatetime.DateTime');
  const md: Record<string, unknown> = {
    veloxVersion: version,
    detector: e.detector,
    beamEnergy_kV: hv === undefined ? undefined : hv / 1e3,
    magnification: num('CustomProperties.StemMagnification.value') ?? num('Optics.NominalMagnification'),
    nominalMagnification: num('Optics.NominalMagnification'),
    microscope: str('Instrument.InstrumentClass'),
    instrumentModel: str('Instrument.InstrumentModel'),
    instrumentId: str('Instrument.InstrumentId'),
    manufacturer: str('Instrument.Manufacturer'),
    cameraLength_mm: camera === undefined ? undefined : camera * 1e3,
    frameTime_s: num('Scan.FrameTime'),
    dwellTime_s: num('Scan.DwellTime'),
    acquisitionStart: started === undefined || !Number.isFinite(new Date(started * 1000).getTime()) ? undefined : new Date(started * 1000).toISOString(),
    pixelSize: get(b, 'BinaryResult.PixelSize') !== undefined ? { ...(get(b, 'BinaryResult.PixelSize') as object), unit: str('BinaryResult.PixelUnitX') } : undefined,
    storedShape: e.info ? [...e.info.shape] : undefined,
    storedAxes: 'y, x, frame',
    velox: b,
  };
  for (const k of Object.keys(md)) if (md[k] === undefined) delete md[k];
  return md;
}

function berkeleyMetadata(file: H5File, e: Entry): Record<string, unknown> {
  const root = file.attributeNames('/');
  const major = attr(file, '/', 'version_major', root);
  const minor = attr(file, '/', 'version_minor', root);
  const md: Record<string, unknown> = {};
  if (major !== undefined && minor !== undefined) md.emdVersion = `${String(major)}.${String(minor)}`;
  for (const g of ['microscope', 'sample', 'user', 'comments']) {
    if (file.kind(`/${g}`) !== 'group') continue;
    const names = file.attributeNames(`/${g}`);
    const values: Record<string, unknown> = {};
    for (const n of names) values[n] = file.attribute(`/${g}`, n);
    md[g] = values;
  }
  md.dims = e.dims;
  return md;
}

function readEmdFile(file: H5File, source: string, options: EmdOptions): ImageArray {
  const velox = veloxEntries(file);
  const entries = [...velox, ...berkeleyEntries(file)];
  if (entries.length === 0) throw new FormatError(source, 'an HDF5 file but not EMD: no emd_group_type=1 group and no Velox Data/Image group', '/');
  const e = choose(entries, options.dataset, source);
  if (!e.supported || !e.info || !e.et) throw new FormatError(source, `cannot read this dataset: ${e.note ?? 'unsupported'}`, e.path);
  const info = e.info;
  const et = e.et;
  let native = decodeNative(file, info, et);
  if (e.flavour === 'velox') {
    const [h, w, frames] = info.shape.length === 3 ? info.shape : [info.shape[0], info.shape[1], 1];
    native = framesFirst(native, h, w, frames, et.parts);
  }
  let version: Record<string, unknown> | undefined;
  if (e.flavour === 'velox' && file.kind('/Version') === 'dataset') {
    const v = file.dataset('/Version');
    if (v.type === H5T.STRING && v.elements >= 1) version = parseJsonText(file.strings(v)[0]);
  }
  const metadata: Record<string, unknown> = {
    flavour: e.flavour,
    dataset: e.path,
    datasets: entries.map(summary),
    ...(e.flavour === 'velox' ? veloxMetadata(e, version) : berkeleyMetadata(file, e)),
    ...(e.warnings.length > 0 ? { warnings: e.warnings } : {}),
  };
  return { values: tensor(e.shape, toFloat32(native, et.parts)), dtype: et.dtype, native, axes: e.axes, metadata, format: 'emd' };
}

/** Reads one dataset of an EMD file (see the module comment); every failure is a FormatError. */
export async function readEmd(bytes: Uint8Array, source: string, options: EmdOptions = {}): Promise<ImageArray> {
  try {
    return await withH5File(bytes, (file) => readEmdFile(file, source, options), options.limits);
  } catch (e) {
    throw asFormatError(e, source, bytes);
  }
}

/** Every dataset of an EMD file with its shape, dtype and calibrated axes, without reading the arrays. */
export async function listEmd(bytes: Uint8Array, source: string, limits?: H5Limits): Promise<EmdDataset[]> {
  try {
    return await withH5File(bytes, (file) => {
      const entries = [...veloxEntries(file), ...berkeleyEntries(file)];
      if (entries.length === 0) throw new FormatError(source, 'an HDF5 file but not EMD: no emd_group_type=1 group and no Velox Data/Image group', '/');
      return entries.map(summary);
    }, limits);
  } catch (e) {
    throw asFormatError(e, source, bytes);
  }
}

function asFormatError(e: unknown, source: string, bytes: Uint8Array): FormatError {
  if (e instanceof FormatError) return e;
  if (e instanceof H5Problem) {
    if (!e.path && !hasHdf5Signature(bytes)) return new FormatError(source, `not an HDF5 file (no HDF5 signature at byte 0): ${e.message}`);
    return new FormatError(source, e.message, e.path);
  }
  const text = e instanceof Error ? e.message.split('\n')[0] || e.name : String(e).split('\n')[0];
  return new FormatError(source, `the HDF5 library failed: ${text}`);
}

export const emdReader: Reader = {
  name: 'emd',
  description: 'EMD (HDF5): Berkeley EMD and Thermo Fisher Velox images and stacks, with calibration; other HDF5 files are refused',
  extensions: ['.emd', '.h5', '.hdf5'],
  sniff: hasHdf5Signature,
  read: (bytes, source) => readEmd(bytes, source),
};
