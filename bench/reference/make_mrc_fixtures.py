"""MRC / MRC2014 reference fixtures for trustscope's MRC reader (src/data/formats/mrc.ts).

How to run (from the repository root; needs mrcfile and numpy — Debian's python3-mrcfile):

    /usr/bin/python3 bench/reference/make_mrc_fixtures.py            # writes test/fixtures/formats/mrc/
    /usr/bin/python3 bench/reference/make_mrc_fixtures.py OUT_DIR    # writes OUT_DIR/

Every <name>.mrc (or .mrcs) is written by mrcfile (`mrcfile.new`), except where noted, and
<name>.json is what mrcfile reads back (`mrcfile.open(..., permissive=True)`):

    shape, dtype        mrcfile's data.shape and data.dtype (numpy name)
    values              data.ravel() as numbers (complex: interleaved re, im)
    magnitude           complex only: np.abs(data).ravel() (float32)
    sum                 float(data.astype(float64).sum()) (complex: of the magnitude)
    voxel_size          mrcfile's voxel_size (x, y, z) in Å (cella / mx, my, mz)
    origin              header.origin (x, y, z)
    ispg, nsymbt, exttyp, nlabl, labels, byte_order, mode
    mrcfile_reads       false when mrcfile cannot read the file (mode 101): the expected values are
                        then the builder's own, stated in "expected_from"
    reader              what trustscope must return where it differs from mrcfile by design
                        (mode 0 read as uint8 because the header says the bytes are unsigned, see
                        below), with the reason

Mode 0 signedness. mrcfile (1.4 and 1.5) always reads mode 0 as int8, as MRC2014 defines it; it has
no rule for unsigned bytes (it writes uint8 data as mode 6). IMOD, which writes most tomography
files (.st, .ali, .rec), decides from the header (libiimod/b3dutil.c readBytesSigned): with the
IMOD stamp (1146047817 at byte 152) bit 1 of imodFlags (byte 156) set means signed, clear means
unsigned (IMOD before 4.2.23 wrote only unsigned bytes); without the stamp, header minimum >= 0
and maximum >= 128 means unsigned. trustscope follows mrcfile (int8) unless the header says the
bytes are unsigned by one of those two rules; the fixtures mode0-imod-unsigned and
mode0-stats-unsigned (mrcfile-written int8 files whose header is then patched) carry both
mrcfile's int8 reading and the uint8 reading ("reader").

Mode 101 (4-bit, two values per byte). mrcfile does not read or write it. The fixture is
hand-built following IMOD (libiimod mrcfiles.c and SerialEM's documented packing): the first
value of a pair in the low 4 bits, rows padded to a whole byte when NX is odd. The header is
mrcfile's own (written for the packed bytes as mode 0), with NX and MODE patched.

FEI1 extended header: records built with mrcfile's own FEI1 dtype (mrcfile.dtypes), one 768-byte
record per image, EXTTYP 'FEI1', NSYMBT = 768 * N; mrcfile reads the records back and the JSON
records the fields trustscope extracts (microscope, HT, pixel size, magnification).
"""
import json
import os
import struct
import sys
import warnings

import mrcfile
import numpy as np
from mrcfile.dtypes import fei1_dtype_big_endian

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join('test', 'fixtures', 'formats', 'mrc')
os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(2024)


def patch(path, offset, fmt, *values):
    with open(path, 'r+b') as f:
        f.seek(offset)
        f.write(struct.pack(fmt, *values))


def num(x):
    x = float(x)
    if np.isnan(x):
        return 'NaN'
    if np.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def describe(path, extra=None):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with mrcfile.open(path, permissive=True) as m:
            h = m.header
            d = m.data
            out = {
                'file': os.path.basename(path),
                'mrcfile_version': mrcfile.__version__,
                'mrcfile_reads': d is not None,
                'mode': int(h.mode),
                'byte_order': h.mode.dtype.byteorder if h.mode.dtype.byteorder != '=' else ('<' if sys.byteorder == 'little' else '>'),
                'nx': int(h.nx), 'ny': int(h.ny), 'nz': int(h.nz),
                'mx': int(h.mx), 'my': int(h.my), 'mz': int(h.mz),
                'ispg': int(h.ispg),
                'nsymbt': int(h.nsymbt),
                'exttyp': bytes(h.exttyp).decode('ascii', 'replace').rstrip('\x00'),
                'nversion': int(h.nversion),
                'nlabl': int(h.nlabl),
                'labels': [bytes(l).decode('ascii', 'replace').rstrip('\x00 ') for l in h.label[: int(h.nlabl)]],
                'voxel_size': [num(m.voxel_size.x), num(m.voxel_size.y), num(m.voxel_size.z)],
                'origin': [num(h.origin.x), num(h.origin.y), num(h.origin.z)],
                'cella': [num(h.cella.x), num(h.cella.y), num(h.cella.z)],
                'dmin': num(h.dmin), 'dmax': num(h.dmax), 'dmean': num(h.dmean),
            }
            if d is not None:
                out['shape'] = list(d.shape)
                out['dtype'] = d.dtype.name
                if np.iscomplexobj(d):
                    inter = np.empty(d.size * 2, dtype=np.float32)
                    inter[0::2] = d.real.ravel()
                    inter[1::2] = d.imag.ravel()
                    out['values'] = [num(v) for v in inter]
                    mag = np.abs(d).astype(np.float32).ravel()
                    out['magnitude'] = [num(v) for v in mag]
                    out['sum'] = float(mag.astype(np.float64).sum())
                else:
                    out['values'] = [num(v) for v in d.ravel()]
                    out['sum'] = float(d.astype(np.float64).sum())
            ext = m.extended_header
            if ext is not None and ext.dtype.names and 'Microscope type' in ext.dtype.names:
                r = ext[0]
                out['fei'] = {
                    'records': int(ext.size),
                    'microscope': bytes(r['Microscope type']).decode('ascii').rstrip('\x00'),
                    'HT': num(r['HT']),
                    'pixel_size': [num(r['Pixel size X']), num(r['Pixel size Y'])],
                    'magnification': num(r['Magnification']),
                }
    if extra:
        out.update(extra)
    with open(os.path.splitext(path)[0] + '.json', 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    return out


def write(name, data, voxel_size=None, origin=None, stack=False, label=None, exttyp=None, ext=None):
    path = os.path.join(OUT, name)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with mrcfile.new(path, overwrite=True) as m:
            m.set_data(data)
            if stack:
                m.set_image_stack()
            if voxel_size is not None:
                m.voxel_size = voxel_size
            if origin is not None:
                m.header.origin.x, m.header.origin.y, m.header.origin.z = origin
            if ext is not None:
                m.set_extended_header(ext)
            if exttyp is not None:
                m.header.exttyp = exttyp
            if label is not None:
                m.add_label(label)
    return path


# --- one file per mode -------------------------------------------------------------------------
describe(write('mode0-int8.mrc', np.array([[-128, -5, 0, 5, 127], [1, 2, 3, -4, -100], [10, 20, 30, 40, 50], [-1, -2, -3, -4, -5]], dtype=np.int8), label='trustscope fixture: mode 0 int8'))

u = np.array([[0, 5, 100, 127, 128], [129, 200, 250, 255, 1], [17, 34, 51, 68, 85], [3, 6, 9, 12, 15]], dtype=np.uint8)
for name, stamp_flags, dminmax in [
    ('mode0-imod-unsigned.mrc', (1146047817, 0), None),
    ('mode0-imod-signed.mrc', (1146047817, 1), None),
    ('mode0-stats-unsigned.mrc', None, (0.0, 255.0)),
]:
    p = write(name, u.view(np.int8), label='trustscope fixture: mode 0, header patched')
    if stamp_flags:
        patch(p, 152, '<ii', *stamp_flags)
    if dminmax:
        patch(p, 76, '<ff', *dminmax)
    signed = name == 'mode0-imod-signed.mrc'
    describe(p, {'reader': {
        'dtype': 'int8' if signed else 'uint8',
        'values': [int(v) for v in (u.view(np.int8) if signed else u).ravel()],
        'why': 'IMOD stamp with imodFlags bit 1 set: signed, as mrcfile' if signed else
               ('IMOD stamp with imodFlags bit 1 clear: unsigned bytes (IMOD < 4.2.23 convention)' if stamp_flags else
                'no IMOD stamp; header dmin >= 0 and dmax >= 128: only unsigned bytes fit the header statistics'),
    }})

describe(write('mode1-int16.mrc', (rng.randint(-30000, 30000, size=(3, 4))).astype(np.int16), voxel_size=(0.5, 0.75, 1.0)))
describe(write('mode2-float32.mrc', rng.standard_normal((4, 6)).astype(np.float32), voxel_size=(1.5, 2.0, 1.0), origin=(10.0, -20.0, 0.0)))
c = (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(np.complex64)
describe(write('mode4-complex64.mrc', c))
describe(write('mode6-uint16.mrc', np.array([[0, 1, 32767, 32768], [40000, 65535, 12345, 54321]], dtype=np.uint16)))
describe(write('mode12-float16.mrc', np.array([[0.0, 1.0, -2.5, 65504.0], [0.000061035156, 5.96e-8, -0.333, 1000.5]], dtype=np.float16)))

# --- big-endian (machine stamp 0x11 0x11) -------------------------------------------------------
describe(write('big-endian-float32.mrc', rng.standard_normal((3, 5)).astype('>f4'), voxel_size=(3.0, 3.0, 3.0)))
describe(write('big-endian-int16.mrc', np.arange(-6, 6, dtype='>i2').reshape(3, 4)))

# --- stacks and volumes -------------------------------------------------------------------------
describe(write('stack3.mrcs', rng.randint(-1000, 1000, size=(3, 4, 5)).astype(np.int16), voxel_size=(1.06, 1.06, 1.0), stack=True))
describe(write('volume.mrc', rng.standard_normal((4, 3, 5)).astype(np.float32), voxel_size=(1.1, 1.2, 1.3), origin=(5.5, 6.5, 7.5)))
describe(write('volume-stack.mrc', np.arange(2 * 2 * 3 * 4, dtype=np.float32).reshape(2, 2, 3, 4), voxel_size=(2.0, 2.0, 2.0)))

# --- extended headers (skipped; EXTTYP reported) ------------------------------------------------
fei = np.zeros(2, dtype=fei1_dtype_big_endian.newbyteorder('<'))
fei['Metadata size'] = fei1_dtype_big_endian.itemsize
fei['Metadata version'] = 0
fei['Microscope type'] = b'Titan Krios'
fei['HT'] = 300000.0
fei['Pixel size X'] = 1.06e-10
fei['Pixel size Y'] = 1.06e-10
fei['Magnification'] = 105000.0
fei['Camera name'] = b'BM-Falcon'
fei['Dose'] = 1.25
describe(write('fei1-stack.mrcs', rng.standard_normal((2, 3, 4)).astype(np.float32), voxel_size=(1.06, 1.06, 1.0), stack=True, exttyp=b'FEI1', ext=fei))
seri = np.frombuffer(bytes(range(64)) * 2, dtype='V1')
describe(write('seri-ext.mrc', np.arange(12, dtype=np.int16).reshape(3, 4), exttyp=b'SERI', ext=seri))

# --- old-style header: no 'MAP ' and no machine stamp (pre-2000 files) --------------------------
p = write('old-style.mrc', np.arange(20, dtype=np.float32).reshape(4, 5) / 4)
patch(p, 208, '<4s4s', b'\0\0\0\0', b'\0\0\0\0')
describe(p, {'note': "MAP and machine stamp zeroed: mrcfile reads it only in permissive mode (little-endian default)"})

# --- mode 101, hand-built (mrcfile cannot read or write it) -------------------------------------
nx, ny = 5, 3
vals = (np.arange(nx * ny).reshape(ny, nx) * 7 + 3) % 16
row = (nx + 1) // 2
packed = np.zeros((ny, row), dtype=np.uint8)
for y in range(ny):
    for x in range(nx):
        packed[y, x // 2] |= (int(vals[y, x]) & 15) << (4 * (x % 2))
p = write('mode101-4bit.mrc', packed.view(np.int8), voxel_size=(0.53, 0.53, 1.0))
# voxel size was set for nx = row; restore cella.x to nx * 0.53 when patching nx and mx
patch(p, 0, '<i', nx)
patch(p, 12, '<i', 101)
patch(p, 28, '<i', nx)
patch(p, 40, '<f', np.float32(nx * 0.53))
describe(p, {
    'expected_from': 'builder: mrcfile does not support mode 101 (it still reads the header: voxel_size is its own)',
    'reader': {'shape': [ny, nx], 'dtype': 'uint4', 'values': [int(v) for v in vals.ravel()],
               'why': 'IMOD/SerialEM packing: first value in the low nibble, rows padded to a whole byte (odd NX)'},
})

print('wrote', len([f for f in os.listdir(OUT) if f.endswith('.json')]), 'fixtures to', OUT)
