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
 * (rank ≥ 2) dataset unless `ReadOptions.dataset` names one (the CLI's `--dataset`), and lists them
 * all through `emdReader.datasets`. Either way `metadata.datasets` lists every dataset with its path,
 * shape, dtype and calibrated axes.
 *
 * Not read: Velox spectra and spectrum images (`Data/Spectrum*`, EDS streams, EELS) — listed as
 * unsupported; Berkeley point lists (compound types); float16; string datasets.
 */
import { tensor } from '../../tensor/tensor.js';
import { H5Problem, H5T, withH5File, type H5File, type H5Limits } from './h5.js';
import { FormatError, type ImageArray, type Reader } from './reader.js';
import { decodeNative, framesFirst, toFloat32, type EmdDataset, type Entry } from './emd-elements.js';
import { berkeleyEntries, berkeleyMetadata } from './emd-berkeley.js';
import { parseJsonText, veloxEntries, veloxMetadata } from './emd-velox.js';

export type { EmdDataset } from './emd-elements.js';
export { berkeleyUnit } from './emd-berkeley.js';

export interface EmdOptions {
  /** Which dataset: its HDF5 path, its group's path, or (Velox) its uuid or detector name. Default: the first image. */
  readonly dataset?: string;
  /** Time limits for the HDF5 worker (tests use short ones). */
  readonly limits?: H5Limits;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Signature(head: Uint8Array): boolean {
  return head.length >= 8 && HDF5_SIGNATURE.every((b, i) => head[i] === b);
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
    if (hit) return hit;
    // A Velox detector name ('HAADF') names the same dataset in every file of a session, where the
    // uuids differ from file to file; it must be unique in the file to count.
    const byDetector = entries.filter((e) => e.detector !== undefined && e.detector === wanted.trim());
    if (byDetector.length === 1) return byDetector[0];
    if (byDetector.length > 1) throw new FormatError(source, `${byDetector.length} datasets come from detector '${wanted}': ${byDetector.map((e) => e.path).join(', ')}; name one by its path`, q);
    throw new FormatError(source, `no dataset '${wanted}'; the file has ${entries.map((e) => `${e.path}${e.detector ? ` (${e.detector})` : ''}`).join(', ')}`, q);
  }
  const pick = entries.find((e) => e.image && e.supported) ?? entries.find((e) => e.supported);
  if (!pick) throw new FormatError(source, `no dataset this reader can read: ${entries.map((e) => `${e.path} (${e.note ?? e.dtype})`).join('; ')}`, entries[0]?.path);
  return pick;
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
  read: (bytes, source, options) => readEmd(bytes, source, { dataset: options?.dataset }),
  datasets: async (bytes, source) =>
    (await listEmd(bytes, source)).map((d) => ({ name: d.path, shape: d.shape, dtype: d.dtype, image: d.image, readable: d.supported, ...(d.detector ? { label: d.detector } : {}), ...(d.note ? { note: d.note } : {}) })),
};
