/**
 * The pixel size of an image file's two spatial axes, when the file records one: what a report
 * needs to draw a scale bar and what run.json records per input file. Readers describe every axis
 * (data/formats/reader.ts); this picks the 'y' and 'x' axes and keeps them only when both carry a
 * positive, finite step in a unit of length — a reciprocal unit (a diffraction pattern's 1/nm), an
 * energy or a bare number is no pixel size, and a wrong scale bar is worse than none.
 */
import type { Axis, ImageArray } from './formats/reader.js';

export interface SpatialCalibration {
  /** Physical size of one pixel along x (columns) and y (rows), in `unit`. */
  readonly pixelWidth: number;
  readonly pixelHeight: number;
  /** The unit as the file names it, spelled canonically: 'nm', 'µm', 'Å', 'm', … */
  readonly unit: string;
  /** The pixel grid the calibration belongs to (a map of another size must not borrow it). */
  readonly width: number;
  readonly height: number;
}

/** Metres per unit, keyed by the canonical spelling. */
const METRES: Readonly<Record<string, number>> = { m: 1, cm: 1e-2, mm: 1e-3, 'µm': 1e-6, nm: 1e-9, Å: 1e-10, pm: 1e-12 };

/** The spellings readers and vendors use for the same length unit. */
const ALIASES: Readonly<Record<string, string>> = {
  meter: 'm', meters: 'm', metre: 'm', metres: 'm',
  um: 'µm', 'μm': 'µm', micron: 'µm', microns: 'µm', micrometer: 'µm', micrometre: 'µm', '\\u00B5m': 'µm',
  nanometer: 'nm', nanometre: 'nm', nanometers: 'nm',
  A: 'Å', 'Å': 'Å', angstrom: 'Å', angstroms: 'Å', Angstrom: 'Å',
};

/** The canonical spelling of a length unit, or undefined when the unit is not a length. */
export function lengthUnit(unit: string | undefined): string | undefined {
  if (unit === undefined) return undefined;
  const t = unit.trim();
  const canonical = ALIASES[t] ?? t;
  return METRES[canonical] !== undefined ? canonical : undefined;
}

/** Metres in one `unit` (a canonical length unit, see lengthUnit). */
export function metresPer(unit: string): number {
  const m = METRES[unit];
  if (m === undefined) throw new Error(`'${unit}' is not a unit of length trustscope knows (${Object.keys(METRES).join(', ')})`);
  return m;
}

function step(axis: Axis | undefined): { scale: number; unit: string } | undefined {
  const unit = lengthUnit(axis?.unit);
  const scale = axis?.scale;
  if (!axis || unit === undefined || scale === undefined || !Number.isFinite(scale) || scale <= 0) return undefined;
  return { scale, unit };
}

/**
 * The file's pixel size, or undefined when it has none (npy, png, an uncalibrated TIFF). When x and
 * y are in different units, y is expressed in x's unit.
 */
export function spatialCalibration(array: Pick<ImageArray, 'axes'>): SpatialCalibration | undefined {
  const y = array.axes.find((a) => a.name === 'y');
  const x = array.axes.find((a) => a.name === 'x');
  const sx = step(x);
  const sy = step(y);
  if (!x || !y || !sx || !sy) return undefined;
  const pixelHeight = sy.unit === sx.unit ? sy.scale : (sy.scale * metresPer(sy.unit)) / metresPer(sx.unit);
  return { pixelWidth: sx.scale, pixelHeight, unit: sx.unit, width: x.size, height: y.size };
}

/** One input file's calibration and how many images of the batch it gave, in batch order. */
export interface FileCalibration {
  readonly file: string;
  readonly images: number;
  readonly calibration?: SpatialCalibration;
}

/** The calibration of image `index` of a batch read from these files (in their order). */
export function calibrationOfImage(files: readonly FileCalibration[], index: number): SpatialCalibration | undefined {
  let start = 0;
  for (const f of files) {
    if (index < start + f.images) return f.calibration;
    start += f.images;
  }
  return undefined;
}

/**
 * The one calibration every file shares, for a report that shows images of the whole batch
 * without saying which file each came from; undefined when any file lacks it or two files differ.
 */
export function sharedCalibration(files: readonly FileCalibration[]): SpatialCalibration | undefined {
  const first = files[0]?.calibration;
  if (!first) return undefined;
  const same = (c: SpatialCalibration | undefined) =>
    c !== undefined && c.unit === first.unit && c.pixelWidth === first.pixelWidth && c.pixelHeight === first.pixelHeight && c.width === first.width && c.height === first.height;
  return files.every((f) => same(f.calibration)) ? first : undefined;
}

/** run.json's record: per input file its pixel size, or null when the file has none. */
export function pixelSizeRecord(files: readonly FileCalibration[]): { file: string; pixelSize: { x: number; y: number; unit: string } | null }[] {
  return files.map((f) => ({ file: f.file, pixelSize: f.calibration ? { x: f.calibration.pixelWidth, y: f.calibration.pixelHeight, unit: f.calibration.unit } : null }));
}
