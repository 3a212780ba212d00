/**
 * What a microscope's TIFF says about its pixels: the calibration of the 'y', 'x' (and stack 'n')
 * axes and the key instrument settings, read the way rosettasciio's TIFF reader reads them (on
 * tifffile's parsing of the vendor tags), first match wins:
 *
 *  1. FEI/Thermo Fisher (tag 34682 FEI_HELIOS / 34680 FEI_SFEG, ini text): x = [Scan] PixelWidth,
 *     y = [Scan] PixelHeight in metres; without [Scan]: [IRBeam] HFW / [Image] ResolutionX and
 *     VFW / ResolutionY (NavCam). A [Scan] section with unreadable numbers gives no calibration.
 *  2. Zeiss SmartSEM (tag 34118 CZ_SEM): the 4th unnamed number (pixel size in metres for a
 *     1024-pixel-wide display) × 1024 / image width — equal to "Image Pixel Size"
 *     (AP_IMAGE_PIXEL_SIZE), which is the fallback; AP_PIXEL_SIZE is the display's pixel size.
 *  3. ImageJ/Fiji (ImageDescription 'ImageJ=…' with unit=): 1 / X(Y)Resolution in that unit
 *     (micron/um → µm; yunit/zunit when given); spacing= is the step of the stack axis.
 *  4. Gatan DigitalMicrograph tags 65009/65010/65011 (x/y/z scale), 65003/65004/65005 (units),
 *     65006/65007/65008 (origins).
 *  5. ResolutionUnit inch/cm with X/YResolution → µm per pixel; not the screen/print defaults
 *     (72, 96, 150, 300, 600 dpi) and not JEOL SightX files (resolution depends on magnification).
 *
 * Nothing here throws for odd metadata: a value that does not parse is left out (the pixels are
 * still good), except that tag bounds errors from tiff-ifd.ts propagate as FormatErrors.
 */
import { number, rational, TAG, text, type Ifd, type TiffFile } from './tiff-ifd.js';

export interface AxisCalibration {
  scale?: number;
  unit?: string;
  offset?: number;
}

export interface Calibration {
  source: 'fei' | 'zeiss' | 'imagej' | 'gatan' | 'resolution';
  x?: AxisCalibration;
  y?: AxisCalibration;
  n?: AxisCalibration;
}

export interface Instrument {
  vendor: string;
  microscope?: string;
  acceleratingVoltage_V?: number;
  magnification?: number;
  workingDistance_m?: number;
  detector?: string;
}

const FEI_SFEG = 34680;
const FEI_HELIOS = 34682;
const CZ_SEM = 34118;
const DEFAULT_DPI = new Set([72, 96, 150, 300, 600]);

/** Python's float(): the number a string spells, or undefined ('' and words are not numbers). */
export function pyNumber(s: unknown): number | undefined {
  if (typeof s === 'number') return s;
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?(inf|infinity|nan)$/i.test(t)) return t.toLowerCase().includes('nan') ? NaN : t.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}

const positive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

export function unitName(u: string): string {
  const t = u.trim();
  if (['micron', 'microns', 'um', 'u', '\\u00B5m', 'µm', 'μm'].includes(t)) return 'µm';
  if (t === 'angstrom' || t === 'A') return 'Å';
  return t;
}

const SI: Readonly<Record<string, number>> = { V: 1, kV: 1e3, m: 1, mm: 1e-3, 'µm': 1e-6, um: 1e-6, nm: 1e-9, pm: 1e-12 };

// ------------------------------------------------------------------------------------ FEI

/** FEI's ini text: `[Section]` lines and `key=value` lines (values kept as written). */
export function parseFei(textValue: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  for (const raw of textValue.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      section = {};
      out[line.slice(1, -1)] = section;
      continue;
    }
    const parts = line.split('=');
    if (parts.length !== 2 || !section) continue; // as tifffile: lines with no or several '=' are skipped
    section[parts[0]] = parts[1];
  }
  return out;
}

function feiCalibration(md: Record<string, Record<string, string>>): Calibration | undefined {
  const scan = md.Scan;
  if (scan && 'PixelWidth' in scan && 'PixelHeight' in scan) {
    const x = pyNumber(scan.PixelWidth);
    const y = pyNumber(scan.PixelHeight);
    return x !== undefined && y !== undefined ? { source: 'fei', x: { scale: x, unit: 'm' }, y: { scale: y, unit: 'm' } } : undefined;
  }
  const ir = md.IRBeam;
  const im = md.Image;
  if (!ir || !im) return undefined;
  const [hfw, vfw, rx, ry] = [ir.HFW, ir.VFW, im.ResolutionX, im.ResolutionY].map(pyNumber);
  if (hfw === undefined || vfw === undefined || !rx || !ry) return undefined;
  return { source: 'fei', x: { scale: hfw / rx, unit: 'm' }, y: { scale: vfw / ry, unit: 'm' } };
}

function feiInstrument(md: Record<string, Record<string, string>>): Instrument {
  const out: Instrument = { vendor: 'FEI' };
  if (md.System?.SystemType !== undefined) out.microscope = md.System.SystemType;
  const hv = pyNumber(md.Beam?.HV);
  if (hv !== undefined) out.acceleratingVoltage_V = hv;
  const wd = pyNumber(md.Stage?.WorkingDistance);
  if (wd !== undefined) out.workingDistance_m = wd;
  if (md.Detectors?.Name !== undefined) out.detector = md.Detectors.Name;
  return out;
}

// ------------------------------------------------------------------------------------ Zeiss

export interface ZeissValue {
  name: string;
  value: string | number | boolean;
  unit?: string;
}

/** Python's str.isupper(): some cased letter and no lower-case one ('AP_WD', also '1E+004'). */
function isUpper(s: string): boolean {
  return /\p{Lu}/u.test(s) && !/\p{Ll}/u.test(s);
}

/** CZ_SEM text the way tifffile reads it: unnamed numbers, then UPPER_KEY lines each followed by 'Name = value [unit]'. */
export function parseZeiss(textValue: string): { unnamed: (number | string)[]; values: Record<string, ZeissValue> } {
  const unnamed: (number | string)[] = [];
  const values: Record<string, ZeissValue> = {};
  let key: string | undefined;
  for (const line of textValue.split(/\r\n|\r|\n/)) {
    if (isUpper(line)) {
      key = line.toLowerCase();
    } else if (key !== undefined) {
      let parts = line.split('=');
      if (parts.length !== 2) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        parts = [line.slice(0, i), line.slice(i + 1)];
      }
      const name = parts[0].trim();
      const valueText = parts[1].trim();
      const tokens = valueText.split(/\s+/).filter((t) => t !== '');
      const n0 = tokens.length === 2 ? pyNumber(tokens[0]) : undefined;
      if (n0 !== undefined) values[key] = { name, value: n0, unit: tokens[1] };
      else {
        const n = pyNumber(valueText);
        const v: string | number | boolean = n !== undefined ? n : valueText === 'No' || valueText === 'Off' ? false : valueText === 'Yes' || valueText === 'On' ? true : valueText;
        values[key] = { name, value: v };
      }
      key = undefined;
    } else {
      const n = pyNumber(line);
      unnamed.push(n !== undefined ? n : line);
    }
  }
  return { unnamed, values };
}

/** '50.00 K X' → 50000, 105 (with unit 'X') → 105. */
function zeissMagnification(v: ZeissValue): number | undefined {
  if (typeof v.value === 'number') return v.value;
  const m = /^\s*([-+\d.eE]+)\s*([KkM]?)\s*X?\s*$/.exec(String(v.value));
  const n = m ? pyNumber(m[1]) : undefined;
  return n === undefined || !m ? undefined : n * ({ '': 1, K: 1e3, k: 1e3, M: 1e6 } as Record<string, number>)[m[2]];
}

function withUnit(v: ZeissValue | undefined): number | undefined {
  if (!v || typeof v.value !== 'number' || v.unit === undefined || SI[v.unit] === undefined) return undefined;
  return v.value * SI[v.unit];
}

function zeissCalibration(z: ReturnType<typeof parseZeiss>, width: number): Calibration | undefined {
  const raw = z.unnamed[3];
  let s = typeof raw === 'number' ? (raw * 1024) / width : withUnit(z.values.ap_image_pixel_size);
  if (!positive(s)) s = undefined;
  return s === undefined ? undefined : { source: 'zeiss', x: { scale: s, unit: 'm' }, y: { scale: s, unit: 'm' } };
}

function zeissInstrument(z: ReturnType<typeof parseZeiss>): Instrument {
  const v = z.values;
  const out: Instrument = { vendor: 'Zeiss' };
  if (v.sv_serial_number) out.microscope = String(v.sv_serial_number.value);
  const kv = withUnit(v.ap_actualkv);
  if (kv !== undefined) out.acceleratingVoltage_V = kv;
  const mag = v.ap_mag ? zeissMagnification(v.ap_mag) : undefined;
  if (mag !== undefined) out.magnification = mag;
  const wd = withUnit(v.ap_wd);
  if (wd !== undefined) out.workingDistance_m = wd;
  if (v.dp_detector_type) out.detector = String(v.dp_detector_type.value);
  return out;
}

// ------------------------------------------------------------------------------------ ImageJ

export function parseImageJ(description: string): Record<string, string> | undefined {
  if (!description.startsWith('ImageJ=')) return undefined;
  const out: Record<string, string> = {};
  for (const line of description.split(/\r\n|\r|\n/)) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function resolutionScale(file: TiffFile, ifd: Ifd, tag: number, factor = 1): number | undefined {
  const r = rational(file, ifd, tag);
  return r && r[0] > 0 && r[1] > 0 ? (factor * r[1]) / r[0] : undefined;
}

function imagejCalibration(file: TiffFile, ifd: Ifd, ij: Record<string, string>): Calibration | undefined {
  if (ij.unit === undefined) return undefined;
  const unit = unitName(ij.unit);
  if (unit === '' || unit === 'pixel' || unit === 'pixels') return undefined;
  const cal: Calibration = { source: 'imagej' };
  const x = resolutionScale(file, ifd, TAG.XResolution);
  const y = resolutionScale(file, ifd, TAG.YResolution);
  if (x !== undefined) cal.x = { scale: x, unit };
  if (y !== undefined) cal.y = { scale: y, unit: ij.yunit ? unitName(ij.yunit) : unit };
  const spacing = pyNumber(ij.spacing);
  if (spacing !== undefined) cal.n = { scale: spacing, unit: ij.zunit ? unitName(ij.zunit) : unit };
  return cal.x || cal.y ? cal : undefined;
}

// ------------------------------------------------------------------------------------ Gatan, plain

function gatanCalibration(file: TiffFile, ifd: Ifd): Calibration | undefined {
  if (!ifd.entries.has(65009) && !ifd.entries.has(65010)) return undefined;
  const cal: Calibration = { source: 'gatan' };
  for (const [axis, s, u, o] of [['x', 65009, 65003, 65006], ['y', 65010, 65004, 65007], ['n', 65011, 65005, 65008]] as const) {
    const a: AxisCalibration = {};
    if (ifd.entries.has(s)) a.scale = number(file, ifd, s, NaN);
    const unit = text(file, ifd, u, 256);
    if (unit !== undefined) a.unit = unitName(unit);
    if (ifd.entries.has(o)) a.offset = number(file, ifd, o, NaN);
    if (Object.keys(a).length > 0) cal[axis] = a;
  }
  return cal;
}

function resolutionCalibration(file: TiffFile, ifd: Ifd): Calibration | undefined {
  if (!ifd.entries.has(TAG.ResolutionUnit) || text(file, ifd, TAG.Make, 256) === 'JEOL Ltd.') return undefined;
  const unit = number(file, ifd, TAG.ResolutionUnit, 1);
  if (unit !== 2 && unit !== 3) return undefined;
  const xr = rational(file, ifd, TAG.XResolution);
  const yr = rational(file, ifd, TAG.YResolution);
  if (!xr || !yr || !(xr[0] > 0 && xr[1] > 0 && yr[0] > 0 && yr[1] > 0)) return undefined;
  if (unit === 2 && DEFAULT_DPI.has(xr[0] / xr[1]) && DEFAULT_DPI.has(yr[0] / yr[1])) return undefined;
  const f = unit === 2 ? 25400 : 10000;
  return { source: 'resolution', x: { scale: (f * xr[1]) / xr[0], unit: 'µm' }, y: { scale: (f * yr[1]) / yr[0], unit: 'µm' } };
}

// ------------------------------------------------------------------------------------ all

export interface TiffMetadata {
  calibration?: Calibration;
  instrument?: Instrument;
  /** Raw vendor blocks and plain tags, for `inspect` and run.json. */
  raw: Record<string, unknown>;
}

/** Calibration, instrument keys and raw metadata of the first page (`width`: its pixel width). */
export function readMetadata(file: TiffFile, ifd: Ifd, width: number): TiffMetadata {
  const raw: Record<string, unknown> = {};
  for (const [name, tag] of [['make', TAG.Make], ['model', TAG.Model], ['software', TAG.Software], ['dateTime', TAG.DateTime]] as const) {
    const v = text(file, ifd, tag, 4096);
    if (v) raw[name] = v;
  }
  const description = text(file, ifd, TAG.ImageDescription);
  const ij = description ? parseImageJ(description) : undefined;
  if (ij) raw.imagej = ij;
  else if (description) raw.description = description.length > 4096 ? `${description.slice(0, 4096)}…` : description;

  let calibration: Calibration | undefined;
  let instrument: Instrument | undefined;
  if (ifd.entries.has(FEI_SFEG) || ifd.entries.has(FEI_HELIOS)) {
    const fei: Record<string, Record<string, string>> = {};
    for (const tag of [FEI_SFEG, FEI_HELIOS]) {
      const t = text(file, ifd, tag);
      if (t) for (const [k, v] of Object.entries(parseFei(t))) fei[k] = { ...fei[k], ...v };
    }
    raw.fei = fei;
    calibration = feiCalibration(fei);
    instrument = feiInstrument(fei);
  } else if (ifd.entries.has(CZ_SEM)) {
    const z = parseZeiss(text(file, ifd, CZ_SEM) ?? '');
    raw.zeiss = z.values;
    raw.zeissUnnamed = z.unnamed;
    calibration = zeissCalibration(z, width);
    instrument = zeissInstrument(z);
  } else {
    calibration = (ij && imagejCalibration(file, ifd, ij)) || gatanCalibration(file, ifd) || resolutionCalibration(file, ifd);
  }
  return { calibration, instrument, raw };
}
