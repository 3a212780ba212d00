/**
 * Thermo Fisher Velox EMD for the EMD reader: the /Data/<kind>/<uuid> survey, each image's JSON
 * metadata blob and Operations (detector names), calibration converted to nm, and the key metadata.
 * Separate from emd.ts (the reader and public API) and emd-berkeley.ts so each flavour's rules sit
 * on their own.
 */
import { H5T, type H5File } from './h5.js';
import type { Axis } from './reader.js';
import { asNumber, asString, elementType, typeDescription, type Entry } from './emd-elements.js';

export function parseJsonText(text: string): Record<string, unknown> | undefined {
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

export function veloxEntries(file: H5File): Entry[] {
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

export function veloxMetadata(e: Entry, version: Record<string, unknown> | undefined): Record<string, unknown> {
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
