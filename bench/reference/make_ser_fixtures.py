"""FEI/TIA .ser (+ .emi) reference fixtures for trustscope's SER reader (src/data/formats/ser.ts).

How to run (from the repository root; needs numpy, and hyperspy for the expected values):

    /usr/bin/python3 bench/reference/make_ser_fixtures.py            # writes test/fixtures/formats/ser/
    /usr/bin/python3 bench/reference/make_ser_fixtures.py OUT_DIR    # writes OUT_DIR/

No Python package writes SER, so the files are built byte by byte here, following the published
layout (C. Boothroyd's description of TIA's series format) as RosettaSciIO reads it
(rsciio/tia/_api.py; read to learn the layout, nothing copied):

    header      ByteOrder 0x4949 | SeriesID 0x0197 | SeriesVersion 0x0210 or 0x0220 (u2 each)
                DataTypeID (u4: 0x4120 1D elements, 0x4122 2D) | TagTypeID (u4: 0x4152 time,
                0x4142 time + position) | TotalNumberElements | ValidNumberElements (u4)
                OffsetArrayOffset (u4 for 0x0210, u8 for 0x0220) | NumberDimensions (u4)
    dimensions  per dimension: DimensionSize u4, CalibrationOffset f8, CalibrationDelta f8,
                CalibrationElement u4, DescriptionLength u4 + text, UnitsLength u4 + text
    offsets     at OffsetArrayOffset: TotalNumberElements data offsets, then as many tag offsets
                (u4 or u8 as above)
    1D element  CalibrationOffset f8, CalibrationDelta f8, CalibrationElement u4, DataType u2,
                ArrayLength u4, values
    2D element  CalibrationOffsetX f8, CalibrationDeltaX f8, CalibrationElementX u4, the same for Y,
                DataType u2, ArraySizeX u4, ArraySizeY u4, values (X fastest; TIA stores the bottom
                row first, so readers flip Y)
    tag         TagTypeID u2, 0 u2, Time u4 (+ PositionX f8, PositionY f8 for 0x4142), placed
                right after its element (where rsciio reads it)
    DataType    1 u1, 2 u2, 3 u4, 4 i1, 5 i2, 6 i4, 7 f4, 8 f8, 9 c8, 10 c16 (all little-endian)

The expected <name>.json is what HyperSpy's TIA reader returns for the file. RosettaSciIO itself is
not installed here; Debian's python3-hyperspy 1.7.3 carries `hyperspy.io_plugins.fei`, the code
rsciio.tia was split from, whose SER/EMI reading logic is the same (compared against rsciio HEAD:
the differences are formatting, the `navigate` flags and the only_valid_data default, which is
passed explicitly as rsciio's default True). When hyperspy cannot be imported, the JSON holds the
builder's own values and says so ("expected_from": "builder").

    shape, dtype, values        data (complex: interleaved re, im), as HyperSpy returns it
    axes                        name, size, scale, offset, units per axis, HyperSpy's order
    metadata                    HyperSpy's Acquisition_instrument / General fields (EMI only)
    builder                     the values and calibrations the bytes were built from
"""
import json
import os
import shutil
import struct
import sys
import warnings

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join('test', 'fixtures', 'formats', 'ser')
os.makedirs(OUT, exist_ok=True)
rng = np.random.RandomState(7)

DTYPES = {1: '<u1', 2: '<u2', 3: '<u4', 4: '<i1', 5: '<i2', 6: '<i4', 7: '<f4', 8: '<f8', 9: '<c8', 10: '<c16'}
SPECTRUM, IMAGE = 0x4120, 0x4122
TAG_TIME, TAG_XY = 0x4152, 0x4142

try:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        from hyperspy.io_plugins import fei as tia
        import hyperspy
    REFERENCE = f'hyperspy {hyperspy.__version__} io_plugins.fei (= rsciio.tia logic), only_valid_data=True'
except Exception as e:  # pragma: no cover
    tia = None
    REFERENCE = f'builder (hyperspy not importable: {e})'


def spectrum_element(values, dtype_code, offset, delta, element):
    return struct.pack('<ddIHI', offset, delta, element, dtype_code, len(values)) + np.asarray(values, DTYPES[dtype_code]).tobytes()


def image_element(rows_top_first, dtype_code, cal_x, cal_y):
    """rows_top_first: [Y, X] as a reader shows it; stored bottom row first."""
    a = np.asarray(rows_top_first, DTYPES[dtype_code])
    ny, nx = a.shape
    head = struct.pack('<ddIddIHII', *cal_x, *cal_y, dtype_code, nx, ny)
    return head + a[::-1].tobytes()


def tag(tag_type, time, pos=None):
    if tag_type == TAG_XY:
        return struct.pack('<HHIdd', tag_type, 0, time, *(pos or (0.0, 0.0)))
    return struct.pack('<HHI', tag_type, 0, time)


def build_ser(path, version, data_type_id, tag_type, total, elements, dims, tags):
    """elements: bytes per valid element; dims: (size, offset, delta, element, description, units)."""
    wide = version >= 0x0220
    off_fmt = '<Q' if wide else '<I'
    off_size = 8 if wide else 4
    valid = len(elements)
    head = struct.pack('<HHHIIII', 0x4949, 0x0197, version, data_type_id, tag_type, total, valid)
    dim_bytes = b''
    for size, cal_off, cal_delta, cal_el, desc, units in dims:
        d, u = desc.encode('ascii'), units.encode('ascii')
        dim_bytes += struct.pack('<IddII', size, cal_off, cal_delta, cal_el, len(d)) + d + struct.pack('<I', len(u)) + u
    fixed = len(head) + off_size + 4
    offset_array_at = fixed + len(dim_bytes) + 6  # a few padding bytes, as real files have
    first_element_at = offset_array_at + 2 * total * off_size
    data_offsets, tag_offsets, body = [], [], b''
    pos = first_element_at
    for el, tg in zip(elements, tags):
        data_offsets.append(pos)
        tag_offsets.append(pos + len(el))
        body += el + tg
        pos += len(el) + len(tg)
    data_offsets += [0] * (total - valid)
    tag_offsets += [0] * (total - valid)
    out = head + struct.pack(off_fmt, offset_array_at) + struct.pack('<I', len(dims)) + dim_bytes + b'\0' * 6
    assert len(out) == offset_array_at
    out += b''.join(struct.pack(off_fmt, o) for o in data_offsets + tag_offsets) + body
    with open(path, 'wb') as f:
        f.write(out)


def jnum(x):
    if isinstance(x, (bytes, np.bytes_)):
        return x.decode('ascii', 'replace')
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return 'NaN' if np.isnan(x) else x
    if x is None or isinstance(x, (str, int, bool, list, dict)):
        return x
    return None  # traits' Undefined (an unnamed axis in HyperSpy 1.7)


def flat(data):
    data = np.asarray(data)
    if np.iscomplexobj(data):
        inter = np.empty(data.size * 2, dtype=np.float64)
        inter[0::2] = data.real.ravel()
        inter[1::2] = data.imag.ravel()
        return [jnum(v) for v in inter]
    return [jnum(v) for v in data.ravel()]


def reference(path):
    if tia is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        r = tia.file_reader(path, only_valid_data=True)
    r = r[0] if isinstance(r, list) else r
    d = np.asarray(r['data'])
    md = r['metadata']
    keep = {}
    ai = md.get('Acquisition_instrument', {}).get('TEM', {}) if isinstance(md, dict) else {}
    for k in ('beam_energy', 'microscope', 'magnification', 'acquisition_mode', 'camera_length'):
        if k in ai:
            keep[k] = jnum(ai[k])
    g = md.get('General', {})
    for k in ('date', 'time'):
        if k in g:
            keep[k] = g[k]
    # mapping is applied by HyperSpy's loader, not by file_reader: apply the simple ones here
    om = r.get('original_metadata', {})
    ed = om.get('ObjectInfo', {}).get('ExperimentalDescription', {}) if isinstance(om, dict) else {}
    for src, dst, f in [('High_tension_kV', 'beam_energy', None), ('Microscope', 'microscope', lambda v: v.replace('Microscope ', '')),
                        ('Magnification_x', 'magnification', None), ('Mode', 'acquisition_mode', lambda v: 'STEM' if 'STEM' in v else 'TEM')]:
        for key in (src, src.replace('_', ' ', 1)):
            if key in ed and dst not in keep:
                keep[dst] = jnum(f(ed[key]) if f else ed[key])
    return {
        'shape': list(d.shape),
        'dtype': d.dtype.name,
        'values': flat(d),
        'axes': [{k: jnum(a.get(k)) for k in ('name', 'size', 'scale', 'offset', 'units')} for a in r['axes']],
        'metadata': keep,
    }


def fixture(name, version, data_type_id, tag_type, total, elements, dims, tags, builder, emi=None):
    path = os.path.join(OUT, name + '.ser')
    build_ser(path, version, data_type_id, tag_type, total, elements, dims, tags)
    ref_path = path
    if emi is not None:
        stem = name.rsplit('_', 1)[0]
        with open(os.path.join(OUT, stem + '.emi'), 'wb') as f:
            f.write(emi)
        ref_path = os.path.join(OUT, stem + '.emi')
    out = {'file': name + '.ser', 'version': hex(version), 'expected_from': REFERENCE, 'builder': builder}
    ref = reference(ref_path)
    if ref is not None:
        out.update(ref)
        if emi is not None:
            # HyperSpy reading the .ser alone (no EMI): the units it would give without the EMI
            alone = reference(path)
            out['without_emi'] = {'axes': alone['axes'], 'metadata': alone['metadata']}
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


# 1. A series of 3 spectra (1D elements), version 0x0210, uint16, time tags
spectra = [rng.randint(0, 60000, size=8) for _ in range(3)]
fixture('spectra-u16-v210_1', 0x0210, SPECTRUM, TAG_TIME, 3,
        [spectrum_element(s, 2, -12.5, 0.25, 0) for s in spectra],
        [(3, 0.0, 1.0, 0, 'Number', '')], [tag(TAG_TIME, 1450000000 + i) for i in range(3)],
        {'values': [int(v) for s in spectra for v in s], 'energy': {'offset': -12.5, 'delta': 0.25, 'element': 0}})

# 2. One 2D image, version 0x0220, int16, position tag; Y calibrated at element 2
img = rng.randint(-3000, 3000, size=(4, 5))
fixture('image-i16-v220_1', 0x0220, IMAGE, TAG_XY, 1,
        [image_element(img, 5, (1e-9, 2e-10, 0), (3e-9, 2.5e-10, 2))],
        [(1, 0.0, 1.0, 0, 'Number', '')], [tag(TAG_XY, 1450000000, (1e-6, 2e-6))],
        {'values_top_row_first': [int(v) for v in img.ravel()], 'x': [1e-9, 2e-10, 0], 'y': [3e-9, 2.5e-10, 2]})

# 3, 4. A series of 2 float32 images, versions 0x0210 and 0x0220
imgs = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2)]
for version, tagname in [(0x0210, 'v210'), (0x0220, 'v220')]:
    fixture(f'images-f32-{tagname}_1', version, IMAGE, TAG_TIME, 2,
            [image_element(a, 7, (0.0, 5e-11, 0), (0.0, 5e-11, 0)) for a in imgs],
            [(2, 0.0, 1.0, 0, 'Number', '')], [tag(TAG_TIME, 1450000100 + i) for i in range(2)],
            {'values_top_row_first': [float(v) for a in imgs for v in a.ravel()]})

# 5. An aborted series: 5 elements planned, 3 valid (float64 spectra), version 0x0220
part = [rng.standard_normal(4) for _ in range(3)]
fixture('spectra-f64-partial-v220_1', 0x0220, SPECTRUM, TAG_TIME, 5,
        [spectrum_element(s, 8, 100.0, 0.5, 0) for s in part],
        [(5, 0.0, 1.0, 0, 'Number', '')], [tag(TAG_TIME, 1450000200 + i) for i in range(3)],
        {'values': [float(v) for s in part for v in s], 'total': 5, 'valid': 3})

# 6. A 2 x 3 spectrum image (int32 spectra of 4 channels), raster positions (X fastest)
ny, nx = 2, 3
maps = [rng.randint(-100000, 100000, size=4) for _ in range(ny * nx)]
positions = [(1e-9 * (k % nx), 2e-9 * (k // nx)) for k in range(ny * nx)]
fixture('spectrum-map-i32-v210_1', 0x0210, SPECTRUM, TAG_XY, ny * nx,
        [spectrum_element(s, 6, 0.0, 10.0, 0) for s in maps],
        [(nx, 0.0, 1e-9, 0, 'Position', 'meters'), (ny, 0.0, 2e-9, 0, 'Position', 'meters')],
        [tag(TAG_XY, 1450000300 + k, positions[k]) for k in range(ny * nx)],
        {'values': [int(v) for s in maps for v in s]})

# 7. Every other data type: 2 spectra of 3 channels each
for code in (1, 3, 4, 9, 10):
    if code in (9, 10):
        vals = [(rng.standard_normal(3) + 1j * rng.standard_normal(3)).astype(DTYPES[code]) for _ in range(2)]
    else:
        info = np.iinfo(DTYPES[code])
        vals = [rng.randint(max(info.min, -2**31), min(info.max, 2**31 - 1), size=3, dtype=np.int64).astype(DTYPES[code]) for _ in range(2)]
    fixture(f'spectra-type{code}-v220_1', 0x0220, SPECTRUM, TAG_TIME, 2,
            [spectrum_element(v, code, 0.0, 1.0, 0) for v in vals],
            [(2, 0.0, 1.0, 0, 'Number', '')], [tag(TAG_TIME, 1450000400 + i) for i in range(2)],
            {'dtype': DTYPES[code]})

# 8. A diffraction pattern (uint8 image) with its EMI beside it: units from the EMI's Mode
emi_xml = ('<ObjectInfo><DatabaseId>1</DatabaseId><AcquireDate>Thu Jan 14 10:22:45 2016</AcquireDate>'
           '<ExperimentalDescription><Root>'
           '<Data><Label>Microscope</Label><Value>Microscope Titan 80-300 S/TEM</Value><Unit></Unit></Data>'
           '<Data><Label>High tension</Label><Value>300.0</Value><Unit>kV</Unit></Data>'
           '<Data><Label>Magnification</Label><Value>38000</Value><Unit>x</Unit></Data>'
           '<Data><Label>Mode</Label><Value>TEM Diffraction imaging</Value><Unit></Unit></Data>'
           '<Data><Label>Camera length</Label><Value>0.195</Value><Unit>m</Unit></Data>'
           '</Root></ExperimentalDescription>'
           '<AcquireInfo><CameraNamePath>BM-Ceta</CameraNamePath><DwellTimePath>0.5</DwellTimePath></AcquireInfo>'
           '</ObjectInfo>').encode('utf-8')
emi = b'\x00\x01binary preamble\xff\xfe' + emi_xml + b'\x00\x00trailing binary\x07'
dp = rng.randint(0, 256, size=(3, 3))
fixture('diffraction-u8-v210_1', 0x0210, IMAGE, TAG_TIME, 1,
        [image_element(dp, 1, (-1.5e8, 1e8, 0), (-1.5e8, 1e8, 0))],
        [(1, 0.0, 1.0, 0, 'Number', '')], [tag(TAG_TIME, 1450000500)],
        {'values_top_row_first': [int(v) for v in dp.ravel()]}, emi=emi)

print('wrote', len([f for f in os.listdir(OUT) if f.endswith('.json')]), 'fixtures to', OUT, '; expected from', REFERENCE)
