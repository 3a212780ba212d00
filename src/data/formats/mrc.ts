/**
 * MRC / MRC2014 (and CCP4-style .map), read as `mrcfile` reads it, with IMOD's rules where mrcfile
 * has none. The layout (MRC2014, Cheng et al. 2015, J. Struct. Biol. 192:146):
 *
 *   1024-byte header | extended header of NSYMBT bytes (skipped, whatever EXTTYP says) | data
 *
 *   byte  field            byte  field               byte  field
 *      0  NX NY NZ           64  MAPC MAPR MAPS        152  imodStamp, imodFlags (IMOD)
 *     12  MODE               76  DMIN DMAX DMEAN       196  ORIGIN x y z (Å)
 *     16  NXSTART …          88  ISPG                  208  'MAP '
 *     28  MX MY MZ           92  NSYMBT                212  machine stamp
 *     40  CELLA x y z (Å)   104  EXTTYP                216  RMS, 220 NLABL, 224 10 × 80-char labels
 *     52  CELLB α β γ       108  NVERSION
 *
 * - Byte order from the machine stamp (0x44 0x44 or 0x44 0x41 little, 0x11 0x11 big). When the stamp
 *   names an order in which MODE is not a known mode but the other order gives one, the other order
 *   is used (mrcfile's permissive rule; such files exist). Old files without stamp or 'MAP ' tag are
 *   read when the header is sane in one byte order (positive sizes, known mode, MAPC/MAPR/MAPS a
 *   permutation of 1, 2, 3).
 * - Shape (mrcfile's `data_shape_from_header`): ISPG 401–630 → [NZ/MZ, MZ, NY, NX] (a stack of
 *   volumes, axes n z y x); ISPG 0 and NZ = 1 → [NY, NX]; otherwise [NZ, NY, NX] with the first axis
 *   'n' (ISPG 0: an image stack) or 'z' (a volume). Data are as stored: MAPC/MAPR/MAPS are reported,
 *   not applied (as mrcfile and IMOD).
 * - Voxel size per axis = CELLA / M (Å, mrcfile's `voxel_size`), reported when positive and finite;
 *   ORIGIN becomes the axis offset. An image stack's 'n' axis has no scale.
 * - Modes: 0 int8 (uint8 when the header says the bytes are unsigned, below), 1 int16, 2 float32,
 *   4 complex64 (values = magnitude, native = interleaved re, im), 6 uint16, 12 float16 (values
 *   exact in float32; no native array), 16 RGB (IMOD; uint8 × 3, a trailing axis 'c'), 101 4-bit
 *   (two per byte, the first in the low nibble, rows padded to a whole byte when NX is odd; dtype
 *   'uint4', native one byte per value). Mode 3 (complex int16) is refused with a one-line error.
 * - Mode 0 signedness: mrcfile always reads int8 (MRC2014). IMOD decides from the header
 *   (libiimod readBytesSigned): with the IMOD stamp, imodFlags bit 1 set = signed, clear = unsigned
 *   (IMOD before 4.2.23 wrote unsigned bytes); without it, DMIN ≥ 0 and DMAX ≥ 128 can only be
 *   unsigned data. Those two cases read as uint8, every other mode-0 file as int8, and
 *   `metadata.mode0` says which rule decided. imodFlags bit 16 (SerialEM's 4-bit values packed in
 *   a half-width mode-0 file) is read as 4-bit data of twice the width, as IMOD does.
 * - Extended headers are skipped by NSYMBT; EXTTYP is reported, and for FEI1/FEI2 the first record's
 *   microscope, HT, pixel size and magnification are copied into `metadata.fei` (never an error).
 */
import { tensor } from '../../tensor/tensor.js';
import { checkClaimedSize, FormatError, type Axis, type ImageArray, type NativeArray, type Reader } from './reader.js';
import { complexMagnitude, ELEMENT_BYTES, fixedText, halfsToFloat32, readElements, toFloat32, type ElementKind } from './raw-elements.js';

const HEADER_BYTES = 1024;
const IMOD_STAMP = 1146047817;
const IMOD_SIGNED_BYTES = 1;
const IMOD_4BIT_BYTES = 16;

interface ModeInfo {
  readonly name: string;
  readonly kind: ElementKind;
  /** Elements of `kind` per voxel (complex 2, RGB 3). */
  readonly per: number;
}

const MODES: Readonly<Record<number, ModeInfo>> = {
  0: { name: 'int8', kind: 'int8', per: 1 },
  1: { name: 'int16', kind: 'int16', per: 1 },
  2: { name: 'float32', kind: 'float32', per: 1 },
  4: { name: 'complex64', kind: 'float32', per: 2 },
  6: { name: 'uint16', kind: 'uint16', per: 1 },
  12: { name: 'float16', kind: 'float16', per: 1 },
  16: { name: 'rgb8', kind: 'uint8', per: 3 },
  101: { name: 'uint4', kind: 'uint8', per: 1 },
};
const KNOWN_MODES = new Set([0, 1, 2, 3, 4, 6, 12, 16, 101]);

function int32(bytes: Uint8Array, offset: number, little: boolean): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(offset, little);
}
function float32(bytes: Uint8Array, offset: number, little: boolean): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat32(offset, little);
}

function hasMapTag(head: Uint8Array): boolean {
  return head.length >= 211 && head[208] === 0x4d && head[209] === 0x41 && head[210] === 0x50; // 'MAP' (mrcfile checks three bytes)
}

/** The machine stamp's byte order, or undefined when it names none. */
function stampOrder(head: Uint8Array): boolean | undefined {
  if (head.length < 214) return undefined;
  if (head[212] === 0x44 && (head[213] === 0x44 || head[213] === 0x41)) return true;
  if (head[212] === 0x11 && head[213] === 0x11) return false;
  return undefined;
}

/** An old-style header (no 'MAP ' tag) is believed only when it is sane in this byte order. */
function saneHeader(head: Uint8Array, little: boolean): boolean {
  if (head.length < 76) return false;
  const [nx, ny, nz] = [0, 4, 8].map((o) => int32(head, o, little));
  if (nx <= 0 || ny <= 0 || nz <= 0 || (nx > 65535 && ny > 65535 && nz > 65535)) return false;
  if (!KNOWN_MODES.has(int32(head, 12, little))) return false;
  const map = [64, 68, 72].map((o) => int32(head, o, little)).sort();
  return map[0] === 1 && map[1] === 2 && map[2] === 3;
}

function sniffMrc(head: Uint8Array): boolean {
  if (hasMapTag(head)) return true;
  return saneHeader(head, true) || saneHeader(head, false);
}

interface Decided {
  readonly little: boolean;
  readonly how: string;
}

function decideByteOrder(bytes: Uint8Array, source: string): Decided {
  const stamp = stampOrder(bytes);
  const tagged = hasMapTag(bytes);
  if (stamp !== undefined) {
    const mode = int32(bytes, 12, stamp);
    if (KNOWN_MODES.has(mode) || !KNOWN_MODES.has(int32(bytes, 12, !stamp))) return { little: stamp, how: 'machine stamp' };
    return { little: !stamp, how: `MODE (the machine stamp ${hex(bytes, 212)} names the other byte order)` };
  }
  for (const little of [true, false]) {
    if (saneHeader(bytes, little)) return { little, how: `header sanity (machine stamp ${hex(bytes, 212)} unrecognised)` };
  }
  if (!tagged) throw new FormatError(source, "not an MRC file: no 'MAP ' tag and the header is not valid in either byte order", 'header field MAP (byte 208)');
  throw new FormatError(source, `unrecognised machine stamp ${hex(bytes, 212)} and no known MODE in either byte order`, 'header field MACHST (byte 212)');
}

function hex(bytes: Uint8Array, offset: number): string {
  return Array.from(bytes.subarray(offset, offset + 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
}

function finitePositive(x: number): number | undefined {
  return Number.isFinite(x) && x > 0 ? x : undefined;
}

/** What the first FEI1/FEI2 record says (MRC2014 FEI extended header, mrcfile's `fei1_dtype`). */
function feiMetadata(bytes: Uint8Array, start: number, nsymbt: number, exttyp: string, little: boolean): Record<string, unknown> | undefined {
  const size = exttyp === 'FEI1' ? 768 : exttyp === 'FEI2' ? 888 : 0;
  if (!size || nsymbt < size || start + size > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, size);
  const f8 = (o: number): number | undefined => {
    const v = view.getFloat64(o, little);
    return Number.isFinite(v) ? v : undefined;
  };
  return {
    records: Math.floor(nsymbt / size),
    metadataVersion: view.getInt32(4, little),
    microscope: fixedText(bytes, start + 20, 16),
    application: fixedText(bytes, start + 52, 16),
    HT: f8(84),
    dose: f8(92),
    pixelSize: [f8(156), f8(164)],
    pixelSizeUnit: 'm',
    defocus: f8(220),
    magnification: f8(289),
    integrationTime: f8(419),
    camera: fixedText(bytes, start + 435, 16),
  };
}

export function parseMrc(bytes: Uint8Array, source: string): ImageArray {
  if (bytes.length < HEADER_BYTES) throw new FormatError(source, `truncated: ${bytes.length} bytes, an MRC header needs ${HEADER_BYTES}`, `byte ${bytes.length}`);
  const { little, how } = decideByteOrder(bytes, source);
  const i32 = (o: number) => int32(bytes, o, little);
  const f32 = (o: number) => float32(bytes, o, little);

  let nx = i32(0);
  const ny = i32(4);
  const nz = i32(8);
  const mode = i32(12);
  for (const [value, field, at] of [[nx, 'NX', 0], [ny, 'NY', 4], [nz, 'NZ', 8]] as const) {
    if (value <= 0) throw new FormatError(source, `${field} is ${value}; sizes must be positive`, `header field ${field} (byte ${at})`);
  }
  if (mode === 3) throw new FormatError(source, 'MODE 3 (complex int16) is not supported', 'header field MODE (byte 12)');
  if (!(mode in MODES)) throw new FormatError(source, `unknown MODE ${mode}; MRC modes are 0, 1, 2, 4, 6, 12, 16 and 101`, 'header field MODE (byte 12)');
  let mx = i32(28);
  const my = i32(32);
  const mz = i32(36);
  let cellX = f32(40);
  const cellY = f32(44);
  const cellZ = f32(48);
  const ispg = i32(88);
  const nsymbt = i32(92);
  const dmin = f32(76);
  const dmax = f32(80);
  const imodStamp = i32(152);
  const imodFlags = i32(156);
  const exttyp = fixedText(bytes, 104, 4);

  if (nsymbt < 0) throw new FormatError(source, `NSYMBT (extended header size) is ${nsymbt}`, 'header field NSYMBT (byte 92)');
  const dataStart = HEADER_BYTES + nsymbt;
  if (dataStart > bytes.length) throw new FormatError(source, `truncated: the extended header claims ${nsymbt} bytes but only ${bytes.length - HEADER_BYTES} follow the header`, 'header field NSYMBT (byte 92)');

  // Mode 0: signed unless the header says the bytes are unsigned (IMOD's rules; mrcfile: always int8).
  let info = MODES[mode];
  let mode0: string | undefined;
  let fourBit = mode === 101;
  if (mode === 0) {
    if (imodStamp === IMOD_STAMP && imodFlags & IMOD_4BIT_BYTES) {
      if (imodFlags & IMOD_SIGNED_BYTES) throw new FormatError(source, 'imodFlags say both signed bytes and 4-bit values packed in bytes', 'header field imodFlags (byte 156)');
      fourBit = true;
      info = MODES[101];
      if (mx === nx) {
        mx *= 2;
        cellX *= 2;
      }
      if (nx > 0x3fffffff) throw new FormatError(source, `NX ${nx} is too large for 4-bit data packed in bytes`, 'header field NX (byte 0)');
      nx *= 2;
      mode0 = 'uint4: imodFlags bit 16 (4-bit values packed in a half-width byte file; NX doubled)';
    } else if (imodStamp === IMOD_STAMP) {
      if (imodFlags & IMOD_SIGNED_BYTES) mode0 = 'int8: IMOD stamp with imodFlags bit 1 set (signed bytes)';
      else {
        info = { name: 'uint8', kind: 'uint8', per: 1 };
        mode0 = 'uint8: IMOD stamp with imodFlags bit 1 clear (unsigned bytes, IMOD < 4.2.23)';
      }
    } else if (dmin >= 0 && dmax >= 128) {
      info = { name: 'uint8', kind: 'uint8', per: 1 };
      mode0 = `uint8: header DMIN ${dmin} ≥ 0 and DMAX ${dmax} ≥ 128 fit only unsigned bytes`;
    } else mode0 = 'int8: MRC2014 (as mrcfile)';
  }

  // Shape as mrcfile gives it.
  let shape: number[];
  let names: string[];
  if (ispg >= 401 && ispg <= 630) {
    if (mz <= 0 || nz % mz !== 0) throw new FormatError(source, `a volume stack (ISPG ${ispg}) needs MZ (${mz}) to divide NZ (${nz})`, 'header field MZ (byte 36)');
    shape = [nz / mz, mz, ny, nx];
    names = ['n', 'z', 'y', 'x'];
  } else if (ispg === 0 && nz === 1) {
    shape = [ny, nx];
    names = ['y', 'x'];
  } else {
    shape = [nz, ny, nx];
    names = [ispg === 0 ? 'n' : 'z', 'y', 'x'];
  }

  const available = bytes.length - dataStart;
  const voxels = nx * ny * nz;
  let native: NativeArray | undefined;
  let values: Float32Array;
  if (fourBit) {
    const rowBytes = Math.ceil(nx / 2);
    checkClaimedSize(source, rowBytes * ny * nz, 1, available, `data at byte ${dataStart} (MODE ${mode}, NX ${nx} NY ${ny} NZ ${nz})`);
    const out = new Uint8Array(voxels);
    let k = 0;
    for (let row = 0; row < ny * nz; row++) {
      const base = dataStart + row * rowBytes;
      for (let x = 0; x < nx; x++) {
        const b = bytes[base + (x >> 1)];
        out[k++] = x & 1 ? b >> 4 : b & 0x0f;
      }
    }
    native = out;
    values = Float32Array.from(out);
  } else {
    checkClaimedSize(source, voxels * info.per, ELEMENT_BYTES[info.kind], available, `data at byte ${dataStart} (MODE ${mode}, NX ${nx} NY ${ny} NZ ${nz})`);
    const raw = readElements(bytes, dataStart, voxels * info.per, info.kind, little);
    if (mode === 4) {
      native = raw;
      values = complexMagnitude(raw as Float32Array);
    } else if (mode === 12) {
      values = halfsToFloat32(raw as Uint16Array);
    } else {
      native = raw;
      values = toFloat32(raw);
    }
    if (mode === 16) {
      shape = [...shape, 3];
      names = [...names, 'c'];
    }
  }

  const originX = f32(196);
  const originY = f32(200);
  const originZ = f32(204);
  const tagged = hasMapTag(bytes);
  const spatial: Record<string, { scale?: number; offset?: number }> = {
    x: { scale: finitePositive(cellX / mx), offset: tagged ? originX : undefined },
    y: { scale: finitePositive(cellY / my), offset: tagged ? originY : undefined },
    z: { scale: finitePositive(cellZ / mz), offset: tagged ? originZ : undefined },
  };
  const axes: Axis[] = shape.map((size, i) => {
    const name = names[i];
    const cal = spatial[name];
    if (!cal) return { name, size };
    const scale = cal.scale === undefined ? undefined : Math.fround(cal.scale);
    const offset = cal.offset !== undefined && Number.isFinite(cal.offset) && cal.offset !== 0 ? cal.offset : undefined;
    return { name, size, ...(scale !== undefined ? { scale, unit: 'Å' } : {}), ...(offset !== undefined ? { offset } : {}) };
  });

  const nlabl = Math.max(0, Math.min(10, i32(220)));
  const labels: string[] = [];
  for (let i = 0; i < nlabl; i++) labels.push(fixedText(bytes, 224 + 80 * i, 80));
  const metadata: Record<string, unknown> = {
    mode,
    ...(mode0 ? { mode0 } : {}),
    byteOrder: little ? 'little' : 'big',
    byteOrderFrom: how,
    mapTag: tagged,
    size: { nx, ny, nz },
    grid: { mx, my, mz },
    cell: { x: cellX, y: cellY, z: cellZ, alpha: f32(52), beta: f32(56), gamma: f32(60) },
    voxelSize: { x: Math.fround(cellX / mx), y: Math.fround(cellY / my), z: Math.fround(cellZ / mz), unit: 'Å' },
    nstart: { x: i32(16), y: i32(20), z: i32(24) },
    axisOrder: { mapc: i32(64), mapr: i32(68), maps: i32(72) },
    ...(tagged ? { origin: { x: originX, y: originY, z: originZ } } : {}),
    statistics: { dmin, dmax, dmean: f32(84), rms: tagged ? f32(216) : undefined },
    ispg,
    kind: ispg >= 401 && ispg <= 630 ? 'volume stack' : ispg === 0 ? (nz === 1 ? 'image' : 'image stack') : 'volume',
    nsymbt,
    exttyp,
    nversion: i32(108),
    ...(imodStamp === IMOD_STAMP ? { imodFlags } : {}),
    labels,
  };
  const fei = feiMetadata(bytes, HEADER_BYTES, nsymbt, exttyp, little);
  if (fei) metadata.fei = fei;
  const trailing = available - (fourBit ? Math.ceil(nx / 2) * ny * nz : voxels * info.per * ELEMENT_BYTES[info.kind]);
  if (trailing > 0) metadata.trailingBytes = trailing;
  return { values: tensor(shape, values), dtype: info.name, ...(native ? { native } : {}), axes, metadata, format: 'mrc' };
}

export const mrcReader: Reader = {
  name: 'mrc',
  description: 'MRC/MRC2014 and CCP4 maps: modes 0, 1, 2, 4, 6, 12, 16, 101; image stacks, volumes, volume stacks; voxel size in Å',
  extensions: ['.mrc', '.mrcs', '.st', '.ali', '.rec', '.map'],
  sniff: sniffMrc,
  read: (bytes, source) => parseMrc(bytes, source),
};
