"""TIFF fixtures for trustscope's TIFF reader, written and described by tifffile (the reference).

How to run (from the repository root):

    /usr/bin/python3 bench/reference/make_tiff_fixtures.py                 # test/fixtures/formats/tiff/
    /usr/bin/python3 bench/reference/make_tiff_fixtures.py --bench DIR     # large files for the decoder benchmark
    /usr/bin/python3 bench/reference/make_tiff_fixtures.py --describe OUT FILE...
                                      # expectations for any TIFF (e.g. real microscope files) into OUT/

Needs numpy and tifffile (Debian: python3-tifffile). LZW and PackBits *encoding* need imagecodecs;
Debian 12 has no package for it, so install the wheel privately, away from the system packages:

    /usr/bin/python3 -m pip install --no-index --no-deps --target /tmp/tiffpy imagecodecs-*.whl
    PYTHONPATH=/tmp/tiffpy /usr/bin/python3 bench/reference/make_tiff_fixtures.py

Each fixture NAME.tif gets NAME.json beside it with what tifffile reads (`series[0]`, the way
rosettasciio reads a TIFF): shape and axes as tifffile reports them (RGB: a trailing sample axis),
dtype, compression/predictor/tiling, the sum, a sha256 of the array (C order, little-endian), the
full value list for small arrays, and the calibration and instrument keys trustscope must find.

Calibration rules (rosettasciio's `rsciio/tiff/_api.py`, re-implemented here on tifffile's parsed
metadata, checked against rsciio's own test files):
  * FEI/Thermo (tag 34682 FEI_HELIOS or 34680 FEI_SFEG, ini text): x = [Scan] PixelWidth,
    y = [Scan] PixelHeight, metres; without [Scan]: [IRBeam] HFW / [Image] ResolutionX (VFW/ResolutionY).
    (rsciio puts PixelWidth on the height axis; the values are equal in real files. We keep x = width.)
  * Zeiss SEM (tag 34118 CZ_SEM): the 4th unnamed number (metres, for a 1024-pixel-wide display)
    * 1024 / image width, as rsciio does; equals "Image Pixel Size" (AP_IMAGE_PIXEL_SIZE) where the
    software writes it; AP_PIXEL_SIZE is the display pixel size.
  * ImageJ (ImageDescription 'ImageJ=' with unit=): scale = 1 / X(Y)Resolution in that unit
    ('micron'/'um'/'u' -> 'µm'); spacing= scales the stack axis.
  * Gatan DigitalMicrograph tags 65003/65004/65005 (x/y/z unit), 65006/65007/65008 (origin),
    65009/65010/65011 (scale); z goes to the stack axis 'n'.
  * Otherwise ResolutionUnit inch/centimetre with X/YResolution -> µm per pixel, except the
    screen/print defaults (72, 96, 150, 300, 600 dpi), which say nothing about the specimen, and
    JEOL SightX files (Make 'JEOL Ltd.'), whose resolution depends on the magnification.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np
import tifffile

try:
    import imagecodecs  # noqa: F401  (needed by tifffile for LZW / PackBits encoding)
    HAVE_IMAGECODECS = True
except ImportError:
    HAVE_IMAGECODECS = False

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / 'test' / 'fixtures' / 'formats' / 'tiff'
FULL_VALUES_MAX = 20000
DEFAULT_DPI = {72.0, 96.0, 150.0, 300.0, 600.0}


# ---------------------------------------------------------------------------------------------
# Vendor texts, laid out as the instruments write them (section names and keys as in real files)

FEI_HELIOS_TEXT = """[User]
Date=06/13/2016
Time=05:06:40 PM
User=supervisor
UserText=trustscope fixture

[System]
Type=DualBeam
Dnumber=9922607
Software=5.5.1.3318
Source=FEG
Column=Elstar
FinalLens=Elstar
SystemType=Helios NanoLab" 660
DisplayWidth=0.518
DisplayHeight=0.324

[Beam]
HV=5000
Spot=1
ImageMode=Normal
Beam=EBeam
Scan=EScan

[EBeam]
Source=FEG
HV=5000
HFW=2.15808e-007
VFW=1.34880e-007
WD=0.00403466
BeamCurrent=6.25e-012

[Scan]
InternalScan=true
Dwelltime=1e-005
PixelWidth=3.3726e-009
PixelHeight=3.3726e-009
HorFieldsize=2.15808e-007
VerFieldsize=1.34880e-007
FrameTime=2.62

[Stage]
StageX=2.576e-005
StageY=-0.000194177
StageZ=0.007965
StageR=-2.3611
StageT=6.54498e-006
WorkingDistance=0.00403466

[Image]
DigitalContrast=1
ResolutionX=64
ResolutionY=40
MagCanvasRealWidth=0.20720
MagnificationMode=3

[Detectors]
Number=1
Name=ETD
Mode=SE

"""

# An older SEM (34680) without a [Scan] section: the pixel size comes from the field width.
FEI_SFEG_TEXT = """[User]
Date=03/02/2012
Time=11:22:33 AM
User=user

[System]
Type=SEM
SystemType=Quanta FEG 250
Source=FEG

[Beam]
HV=20000
Spot=3.0
Beam=IRBeam

[IRBeam]
HV=20000
HFW=4.8e-005
VFW=3.6e-005
WD=0.0101

[Image]
ResolutionX=48
ResolutionY=24

[Detectors]
Number=1
Name=LFD
Mode=SE

"""


def zeiss_text(width: int) -> str:
    """A CZ_SEM text in SmartSEM's layout: unnamed numbers, then UPPER_CASE key / 'Name = value' pairs."""
    unnamed = ['0', '0', '0', '5.824988e-009', '5.000000e+004', '6', '5.000000e+003', '2.309000e+000', '2.000000e-007', '3.937911e-003']
    pairs = [
        ('DP_ZOOM', 'Zoom = Off'),
        ('DP_DETECTOR_CHANNEL', 'Signal A = InLens'),
        ('DP_SCANRATE', 'Scan Speed = 6'),
        ('AP_WD', 'WD =  3.9 mm'),
        ('AP_MAG', 'Mag =  50.00 K X'),
        ('AP_MANUALKV', 'EHT Target =  5.00 kV'),
        ('AP_PIXEL_SIZE', 'Pixel Size = 5.825 nm'),
        ('AP_IMAGE_PIXEL_SIZE', f'Image Pixel Size = {5.824988 * 1024 / width:.2f} nm'),
        ('AP_ACTUALKV', 'EHT = 5.00 kV'),
        ('DP_DETECTOR_TYPE', 'Detector = InLens'),
        ('SV_SERIAL_NUMBER', 'Serial No. = ULTRA 55-36-06'),
        ('SV_USER_NAME', 'User Name = FIXTURE'),
        ('AP_DATE', 'Date :25 Sep 2018'),
        ('AP_TIME', 'Time :8:20:42'),
    ]
    lines = unnamed + [x for kv in pairs for x in kv]
    return '\r\n'.join(lines) + '\r\n'


# ---------------------------------------------------------------------------------------------
# Reading a file the reference way, and what trustscope must find in it

def fnum(s):
    """A float, or None for the empty / bogus values real files hold ('', 'notafloat')."""
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def unit_name(u: str) -> str:
    u = u.strip()
    return 'µm' if u in ('micron', 'microns', 'um', 'u', '\\u00B5m', 'µm', 'μm') else ('Å' if u in ('angstrom', 'A') else u)


def zeiss_number(text):
    """'50.00 K X' -> 50000.0, '105 X' -> 105.0, numbers pass through."""
    if isinstance(text, (int, float)):
        return float(text)
    m = re.fullmatch(r'\s*([-+\d.eE]+)\s*([KkM]?)\s*X?\s*', str(text))
    if not m:
        return None
    return float(m.group(1)) * {'': 1, 'K': 1e3, 'k': 1e3, 'M': 1e6}[m.group(2)]


def si(value, unit):
    scale = {'V': 1, 'kV': 1e3, 'm': 1, 'mm': 1e-3, 'µm': 1e-6, 'um': 1e-6, 'nm': 1e-9, 'pm': 1e-12}
    return float(value) * scale[unit] if unit in scale else None


def calibration(tif: tifffile.TiffFile, page, width: int):
    """{'source': ..., 'x': {scale, unit[, offset]}, 'y': ..., 'n': ...} or None, by the rules above."""
    if page.is_fei:
        md = tif.fei_metadata
        scan = md.get('Scan', {})
        if 'PixelWidth' in scan and 'PixelHeight' in scan:
            return {'source': 'fei', 'x': {'scale': float(scan['PixelWidth']), 'unit': 'm'}, 'y': {'scale': float(scan['PixelHeight']), 'unit': 'm'}}
        ir, im = md.get('IRBeam', {}), md.get('Image', {})
        return {'source': 'fei', 'x': {'scale': float(ir['HFW']) / float(im['ResolutionX']), 'unit': 'm'}, 'y': {'scale': float(ir['VFW']) / float(im['ResolutionY']), 'unit': 'm'}}
    if page.is_sem:
        v = tif.sem_metadata
        if len(v['']) > 3 and isinstance(v[''][3], (int, float)):
            s = v[''][3] * 1024 / width
        else:  # no unnamed block: the image's own pixel size
            s = si(v['ap_image_pixel_size'][1], v['ap_image_pixel_size'][2])
        return {'source': 'zeiss', 'x': {'scale': s, 'unit': 'm'}, 'y': {'scale': s, 'unit': 'm'}}
    if tif.is_imagej and tif.imagej_metadata and 'unit' in tif.imagej_metadata:
        ij = tif.imagej_metadata
        xr, yr = page.tags['XResolution'].value, page.tags['YResolution'].value
        unit = unit_name(str(ij['unit']))
        if unit in ('', 'pixel', 'pixels'):
            return None
        cal = {'source': 'imagej', 'x': {'scale': xr[1] / xr[0], 'unit': unit}, 'y': {'scale': yr[1] / yr[0], 'unit': unit_name(str(ij.get('yunit', unit)))}}
        if 'spacing' in ij:
            cal['n'] = {'scale': float(ij['spacing']), 'unit': unit_name(str(ij.get('zunit', unit)))}
        return cal
    tags = page.tags
    if 65009 in tags or 65010 in tags:
        cal = {'source': 'gatan'}
        for axis, s, u, o in (('x', 65009, 65003, 65006), ('y', 65010, 65004, 65007), ('n', 65011, 65005, 65008)):
            a = {}
            if s in tags:
                a['scale'] = float(tags[s].value)
            if u in tags:
                a['unit'] = unit_name(tags[u].value)
            if o in tags:
                a['offset'] = float(tags[o].value)
            if a:
                cal[axis] = a
        return cal
    if 'ResolutionUnit' in tags and 'XResolution' in tags and 'YResolution' in tags and tags.valueof('Make') != 'JEOL Ltd.':
        ru = int(tags['ResolutionUnit'].value)
        xr, yr = tags['XResolution'].value, tags['YResolution'].value
        if ru in (2, 3) and xr[0] > 0 and yr[0] > 0:
            xd, yd = xr[0] / xr[1], yr[0] / yr[1]
            if not (ru == 2 and xd in DEFAULT_DPI and yd in DEFAULT_DPI):
                f = 25400.0 if ru == 2 else 10000.0
                return {'source': 'resolution', 'x': {'scale': f * xr[1] / xr[0], 'unit': 'µm'}, 'y': {'scale': f * yr[1] / yr[0], 'unit': 'µm'}}
    return None


def instrument(tif: tifffile.TiffFile, page):
    if page.is_fei:
        md = tif.fei_metadata
        out = {'vendor': 'FEI'}
        sysm, beam = md.get('System', {}), md.get('Beam', {})
        if 'SystemType' in sysm:
            out['microscope'] = str(sysm['SystemType'])
        hv = fnum(beam.get('HV'))
        if hv is not None:
            out['acceleratingVoltage_V'] = hv
        wd = fnum(md.get('Stage', {}).get('WorkingDistance'))
        if wd is not None:
            out['workingDistance_m'] = wd
        if 'Name' in md.get('Detectors', {}):
            out['detector'] = str(md['Detectors']['Name'])
        return out
    if page.is_sem:
        v = tif.sem_metadata
        out = {'vendor': 'Zeiss'}
        if 'sv_serial_number' in v:
            out['microscope'] = str(v['sv_serial_number'][1])
        if 'ap_actualkv' in v and len(v['ap_actualkv']) == 3:
            out['acceleratingVoltage_V'] = si(v['ap_actualkv'][1], v['ap_actualkv'][2])
        if 'ap_mag' in v:
            m = zeiss_number(v['ap_mag'][1] if len(v['ap_mag']) == 2 else f"{v['ap_mag'][1]} {v['ap_mag'][2]}")
            if m is not None:
                out['magnification'] = m
        if 'ap_wd' in v and len(v['ap_wd']) == 3:
            out['workingDistance_m'] = si(v['ap_wd'][1], v['ap_wd'][2])
        if 'dp_detector_type' in v:
            out['detector'] = str(v['dp_detector_type'][1])
        return out
    return None


def to_json(d: dict) -> str:
    """Indented, but the value list on one line (compact files, readable headers)."""
    values = d.get('values')
    head = json.dumps({k: v for k, v in d.items() if k != 'values'}, indent=1, ensure_ascii=False)
    if values is None:
        return head + '\n'
    return head[:-2] + ',\n "values": ' + json.dumps(values, separators=(',', ':')) + '\n}\n'


def describe(path: Path, full_values: bool = True) -> dict:
    with tifffile.TiffFile(path) as tif:
        series = tif.series[0]
        page = series.pages[0]
        arr = series.asarray()
        width = int(page.imagewidth)
        le = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder('<'), copy=False)
        d = {
            'file': path.name,
            'shape': list(arr.shape),
            'axes': series.axes,
            'dtype': str(arr.dtype.name),
            'byteorder': tif.byteorder,
            'bigtiff': tif.is_bigtiff,
            'pages': len(series.pages),
            'compression': int(page.compression),
            'predictor': int(page.predictor),
            'tiled': bool(page.is_tiled),
            'photometric': int(page.photometric),
            'planarconfig': int(page.planarconfig),
            'samplesperpixel': int(page.samplesperpixel),
            'sum': float(np.sum(arr, dtype=np.float64)),
            'sha256': hashlib.sha256(le.tobytes()).hexdigest(),
            'first': [v.item() for v in arr.reshape(-1)[:5]],
            'last': [v.item() for v in arr.reshape(-1)[-5:]],
        }
        if full_values and arr.size <= FULL_VALUES_MAX:
            d['values'] = [v.item() for v in arr.reshape(-1)]
        try:
            cal = calibration(tif, page, width)
        except (KeyError, ValueError, TypeError, ZeroDivisionError, IndexError):
            cal = None  # as rsciio: a calibration that cannot be parsed is no calibration
        if cal:
            d['calibration'] = cal
        ins = instrument(tif, page)
        if ins:
            d['instrument'] = ins
    return d


# ---------------------------------------------------------------------------------------------
# The fixtures

def fixtures(rng: np.random.Generator):
    H, W = 37, 53

    def ints(dtype):
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, size=(H, W), dtype=dtype, endpoint=True)
        a.flat[:3] = [info.min, info.max, 0]
        return a

    def floats(dtype):
        a = (rng.standard_normal((H, W)) * 1000).astype(dtype)
        fi = np.finfo(dtype)
        a.flat[:5] = [0.0, -0.0, fi.max, fi.tiny, -fi.max]
        return a

    grad16 = (np.add.outer(np.arange(48) * 400, np.arange(64) * 7) + rng.integers(0, 50, (48, 64))).astype(np.uint16)
    rgb = np.stack([np.add.outer(np.arange(40) * 6, np.arange(50)) % 256, rng.integers(0, 256, (40, 50)), np.full((40, 50), 17)], axis=-1).astype(np.uint8)

    yield 'uint8', ints(np.uint8), dict(rowsperstrip=8, resolution=(72, 72), resolutionunit='INCH')
    yield 'int8', ints(np.int8), dict(rowsperstrip=8)
    yield 'uint16', ints(np.uint16), dict(rowsperstrip=8)
    yield 'int16', ints(np.int16), dict(rowsperstrip=8)
    yield 'uint32', ints(np.uint32), dict(rowsperstrip=8)
    yield 'int32', ints(np.int32), dict(rowsperstrip=8)
    yield 'float32', floats(np.float32), dict(rowsperstrip=8)
    yield 'float64', floats(np.float64), dict(rowsperstrip=8)
    yield 'uint16-be', ints(np.uint16), dict(byteorder='>', rowsperstrip=8)
    yield 'int32-be', ints(np.int32), dict(byteorder='>', rowsperstrip=8)
    yield 'float32-be', floats(np.float32), dict(byteorder='>', rowsperstrip=8)
    yield 'float64-be-deflate', floats(np.float64), dict(byteorder='>', compression='zlib', rowsperstrip=16)
    yield 'lzw-uint16', grad16, dict(compression='lzw', rowsperstrip=16)
    yield 'lzw-pred-uint16', grad16, dict(compression='lzw', predictor=True, rowsperstrip=16)
    yield 'lzw-pred-uint16-be', grad16, dict(byteorder='>', compression='lzw', predictor=True, rowsperstrip=16)
    yield 'lzw-uint8', (grad16 // 256).astype(np.uint8), dict(compression='lzw', rowsperstrip=5)
    yield 'lzw-pred-float32', floats(np.float32), dict(compression='lzw', predictor=3, rowsperstrip=16)
    yield 'deflate-adobe-int16', ints(np.int16), dict(compression='adobe_deflate', rowsperstrip=16)
    yield 'deflate-zlib-pred-uint16', grad16, dict(compression=tifffile.COMPRESSION.DEFLATE, predictor=True, rowsperstrip=16)
    yield 'deflate-pred-float32', floats(np.float32), dict(compression='zlib', predictor=3, rowsperstrip=16)
    yield 'packbits-uint8', (grad16 // 256).astype(np.uint8), dict(compression='packbits', rowsperstrip=10)
    yield 'packbits-uint16', grad16, dict(compression='packbits', rowsperstrip=10)
    yield 'tiled-uint16', grad16[:40, :50].copy(), dict(tile=(16, 16))
    yield 'tiled-float32-deflate', floats(np.float32)[:33, :50].copy(), dict(tile=(16, 32), compression='zlib')
    yield 'tiled-lzw-rgb', rgb, dict(tile=(16, 16), compression='lzw', predictor=True, photometric='rgb')
    yield 'stack-uint16', np.stack([grad16[:24, :32] + i * 1000 for i in range(3)]), dict(photometric='minisblack', rowsperstrip=8)
    yield 'stack-lzw-float32', rng.standard_normal((3, 20, 30)).astype(np.float32), dict(photometric='minisblack', compression='lzw', rowsperstrip=7)
    yield 'rgb-uint8', rgb, dict(photometric='rgb', rowsperstrip=9)
    yield 'rgba-uint8', np.concatenate([rgb, rng.integers(0, 256, (40, 50, 1), dtype=np.uint8)], axis=-1), dict(photometric='rgb', extrasamples=['unassalpha'], rowsperstrip=9)
    yield 'rgb-uint16-planar', np.moveaxis(rgb.astype(np.uint16) * 257, -1, 0).copy(), dict(photometric='rgb', planarconfig='separate', rowsperstrip=9)
    yield 'rgb-stack-deflate', np.stack([rgb[:20, :25], 255 - rgb[:20, :25]]), dict(photometric='rgb', compression='zlib', rowsperstrip=6)
    yield 'bigtiff-uint16', grad16[:20, :30].copy(), dict(bigtiff=True, rowsperstrip=6)
    yield 'miniswhite-uint8', (grad16[:20, :30] // 256).astype(np.uint8), dict(photometric='miniswhite')
    # calibrated files
    yield 'imagej-um', (grad16 / 7.5).astype(np.float32), dict(imagej=True, resolution=(1 / 0.25, 1 / 0.25), metadata={'unit': 'um'})
    yield 'imagej-stack-micron', np.stack([grad16[:24, :32] + i for i in range(4)]), dict(imagej=True, resolution=(1 / 0.0125, 1 / 0.0125), metadata={'unit': 'micron', 'spacing': 2.5, 'axes': 'ZYX'})
    yield 'fei-helios', grad16[:40, :64].copy(), dict(rowsperstrip=1, resolution=(64, 64), resolutionunit='INCH', extratags=[(34682, 's', 0, FEI_HELIOS_TEXT, True)])
    yield 'fei-sfeg-irbeam', (grad16[:24, :48] // 256).astype(np.uint8), dict(extratags=[(34680, 's', 0, FEI_SFEG_TEXT, True)])
    grey_map = (np.tile(np.arange(256, dtype=np.uint16) * 257, (3, 1)))
    yield 'zeiss-sem-palette', (grad16[:48, :64] // 256).astype(np.uint8), dict(photometric='palette', colormap=grey_map, extratags=[(34118, 's', 0, zeiss_text(64), True)])
    yield 'gatan-tags-int32', ints(np.int32)[:20, :30].copy(), dict(extratags=[
        (65003, 's', 0, 'nm', True), (65004, 's', 0, 'nm', True), (65006, 'd', 1, 1.5, True), (65007, 'd', 1, -2.0, True),
        (65009, 'd', 1, 0.125, True), (65010, 'd', 1, 0.25, True)])
    yield 'resolution-cm', (grad16[:20, :30] // 256).astype(np.uint8), dict(resolution=(20000, 40000), resolutionunit='CENTIMETER')


def write_fixtures(out: Path) -> None:
    if not HAVE_IMAGECODECS:
        sys.exit('imagecodecs is needed to write LZW and PackBits fixtures; see the header of this script')
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261207)
    written = []
    for name, data, kw in fixtures(rng):
        path = out / f'{name}.tif'
        kw = dict(kw)
        byteorder, bigtiff, imagej = kw.pop('byteorder', '<'), kw.pop('bigtiff', False), kw.pop('imagej', False)
        with tifffile.TiffWriter(path, byteorder=byteorder, bigtiff=bigtiff, imagej=imagej) as tw:
            tw.write(data, **kw)
        d = describe(path)
        np.testing.assert_array_equal(tifffile.imread(path), data)  # the file holds what we meant
        (out / f'{name}.json').write_text(to_json(d))
        size = path.stat().st_size
        assert size <= 50_000, f'{name}: {size} bytes'
        written.append((name, size, d['shape'], d['dtype'], d['compression']))
    # an ImageJ stack with one directory and its images stored contiguously after it (as ImageJ
    # writes stacks over 4 GB): written normally, then the first page's next-IFD pointer set to 0
    path = out / 'imagej-contiguous.tif'
    stack = np.arange(4 * 24 * 32, dtype=np.uint16).reshape(4, 24, 32) * 7
    tifffile.imwrite(path, stack, imagej=True, resolution=(2, 2), metadata={'unit': 'nm', 'spacing': 0.5})
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        pointer = page.offset + 2 + 12 * len(page.tags)
    raw = bytearray(path.read_bytes())
    raw[pointer:pointer + 4] = bytes(4)
    path.write_bytes(bytes(raw))
    d = describe(path)
    assert d['shape'] == [4, 24, 32], d['shape']
    np.testing.assert_array_equal(tifffile.imread(path), stack)
    (out / 'imagej-contiguous.json').write_text(to_json(d))
    written.append(('imagej-contiguous', path.stat().st_size, d['shape'], d['dtype'], 1))
    # a file whose pages differ in shape: tifffile's first series is the first page alone
    path = out / 'mixed-pages.tif'
    with tifffile.TiffWriter(path) as tw:
        tw.write(np.arange(24 * 32, dtype=np.uint16).reshape(24, 32), rowsperstrip=8)
        tw.write(np.arange(8 * 8, dtype=np.uint16).reshape(8, 8))
    (out / 'mixed-pages.json').write_text(to_json(describe(path)))
    written.append(('mixed-pages', path.stat().st_size, [24, 32], 'uint16', 1))
    for w in written:
        print(*w)


def write_bench(out: Path) -> None:
    """2048x2048 uint16 (raw, LZW, deflate) and a 32-page 512x512 uint16 stack, for MB/s."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:2048, 0:2048]
    img = (20000 + 8000 * np.sin(xx / 37.0) * np.cos(yy / 53.0) + rng.normal(0, 300, (2048, 2048))).clip(0, 65535).astype(np.uint16)
    stack = np.stack([img[i * 48:i * 48 + 512, i * 32:i * 32 + 512] for i in range(32)])
    specs = [
        ('big-uint16-raw', img, dict(rowsperstrip=64)),
        ('big-uint16-lzw-pred', img, dict(compression='lzw', predictor=True, rowsperstrip=64)),
        ('big-uint16-deflate', img, dict(compression='zlib', rowsperstrip=64)),
        ('big-uint16-tiled', img, dict(tile=(256, 256))),
        ('stack32-uint16-raw', stack, dict(rowsperstrip=64)),
        ('stack32-uint16-lzw', stack, dict(compression='lzw', rowsperstrip=64)),
    ]
    for name, data, kw in specs:
        path = out / f'{name}.tif'
        tifffile.imwrite(path, data, **kw)
        (out / f'{name}.json').write_text(to_json(describe(path, full_values=False)))
        print(name, path.stat().st_size)


def main(argv: list[str]) -> None:
    if argv[:1] == ['--bench']:
        write_bench(Path(argv[1]))
    elif argv[:1] == ['--describe']:
        out = Path(argv[1])
        out.mkdir(parents=True, exist_ok=True)
        for f in argv[2:]:
            p = Path(f)
            try:
                (out / f'{p.stem}.json').write_text(to_json(describe(p)))
                print('described', p)
            except Exception as e:  # a file tifffile cannot read: say so and go on
                print('skipped', p, e)
    else:
        write_fixtures(Path(argv[0]) if argv else OUT)


if __name__ == '__main__':
    main(sys.argv[1:])
