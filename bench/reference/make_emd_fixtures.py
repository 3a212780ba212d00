"""EMD (HDF5) fixtures for trustscope's EMD reader, with rosettasciio's reading of them as the reference.

How to run (from the repository root; needs h5py and numpy — Debian's python3-h5py — and, for the
reference, rosettasciio importable as `rsciio`):

    /usr/bin/python3 bench/reference/make_emd_fixtures.py            # writes test/fixtures/formats/emd/
    /usr/bin/python3 bench/reference/make_emd_fixtures.py OUT_DIR    # writes OUT_DIR/

rosettasciio is not a Debian package. With it installed normally, nothing more is needed. Without
it, point RSCIIO_SRC at a source checkout of hyperspy/rosettasciio (the directory holding `rsciio/`):

    RSCIIO_SRC=/path/to/rosettasciio /usr/bin/python3 bench/reference/make_emd_fixtures.py

and the script puts it on sys.path with a two-file shim in a temporary directory: a stub module `box`
(python-box; rsciio imports it only to *write* EMD) and a dist-info METADATA so
`importlib.metadata.version('rosettasciio')` answers (with `git describe` of the checkout, or
RSCIIO_VERSION for an export without .git). rsciio's
other imports (h5py, numpy, pint, dateutil, yaml) are Debian packages. The committed JSON was made
this way from rosettasciio v0.14.0-59-gbc254db1.
(Debian's python3-hyperspy 1.7.3 holds the older copy of this reader; it differs from rsciio in two
places that matter here — it drops units not written as '[n_m]', and it gives Velox offsets in a
different unit than the scale — so it is not used.)

What it writes (small files, written by h5py following the two published layouts):

  berkeley-image.emd      Berkeley EMD 0.2: /data/image (emd_group_type=1) holding `data` float32
                          [4, 6] and dim1 (y, nm, fixed-length byte-string attributes), dim2 (x, '[n_m]',
                          HyperSpy's unit spelling, variable-length string attributes); /microscope attrs
  berkeley-stack.emd      /data/stack: `data` uint16 [3, 4, 5], chunked + gzip, dims (t s, y, x); and
                          /data/spectrum: `data` float64 [7] (a 1D dataset before the image in key order)
  berkeley-bigendian.emd  /data/image: `data` big-endian float32 [2, 3]
  velox-2frames.emd       Velox: /Version JSON, /Data/Image/<uuid>/Data uint16 stored [y=3, x=4, frames=2],
                          /Data/Image/<uuid>/Metadata uint8 [L, 2] (one NUL-padded JSON blob per frame,
                          PixelSize in m), /Operations/StemInputOperation/<id> (detector of the image)
  velox-2datasets.emd     Velox: two image datasets, uint16 [3, 4, 1] (HAADF) and float32 [5, 2, 1]
                          (DF4, chunked + gzip), different pixel sizes
  velox-dpc.emd           Velox: a DPC image, compound {realFloat, imagFloat} float32 [3, 4, 1] (read as
                          complex64: magnitude values, interleaved re/im native), detector named by
                          /Operations/DpcOperation as rsciio does
  plain.h5                HDF5 without an EMD layout (/entry/data float32 [2, 2])

and, committed beside them but not written here: corrupt-global-heap.emd, a mutant of
berkeley-stack.emd found by the fuzz smoke (two bytes changed, one of them the size of an object in
the global heap). Reading the variable-length 'name' attribute of /data/spectrum/dim1 makes HDF5
loop forever — in h5wasm (HDF5 2.0) and in h5py (HDF5 1.10.8) alike; trustscope must time out.

and, for each EMD file, <name>.json: every dataset's path, shape, dtype, values and axes as
trustscope should return them. The numbers come from `rsciio.emd.file_reader`, mapped to
trustscope's conventions, which differ from rsciio's in three documented ways:

  * Berkeley: rsciio transposes `data` (it treats EMD arrays as Fortran-ordered, as its writer
    stores them) and reverses the dims; trustscope returns the array as stored (C order), where dimK
    describes stored axis K-1 (dim1 the slowest). So expected = rsciio_data.T, and expected axis k
    = rsciio's axis with index_in_array = rank-1-k. The script asserts this equals h5py's reading.
  * Velox: rsciio rolls [y, x, frames] to [frames, y, x] and squeezes a single frame away;
    trustscope always returns [N, y, x] (N = 1 kept).
  * Velox pixel sizes: rsciio picks a "compact" unit per file (pm here); trustscope always uses
    nm, so scale/offset are converted with rsciio's own unit registry (pint).

The script stops if rsciio cannot be imported (it does not fall back to its own reading).
Deterministic: re-running gives the same numbers (track_times off).
"""
import json
import os
import sys

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'test', 'fixtures', 'formats', 'emd')

UUID_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
UUID_B = '0f1e2d3c4b5a69788796a5b4c3d2e1f0'
UUID_OP_A = '11112222333344445555666677778888'
UUID_OP_B = '99990000aaaabbbbccccddddeeeeffff'


def ds(group, name, data, **kw):
    return group.create_dataset(name, data=data, track_times=False, **kw)


def dim(group, key, values, name, units, fixed=False):
    d = ds(group, key, np.asarray(values, dtype='f8'))
    d.attrs['name'] = np.bytes_(name) if fixed else name
    d.attrs['units'] = np.bytes_(units) if fixed else units


def write_berkeley_image(path):
    with h5py.File(path, 'w', track_order=False) as f:
        f.attrs['version_major'] = 0
        f.attrs['version_minor'] = 2
        g = f.create_group('data/image')
        g.attrs['emd_group_type'] = 1
        data = (np.arange(24, dtype='f4').reshape(4, 6) * 0.75 - 5.125).astype('f4')
        data[1, 2] = np.float32(np.pi)
        ds(g, 'data', data)
        dim(g, 'dim1', 1.5 + 0.25 * np.arange(4), 'y', 'nm', fixed=True)
        dim(g, 'dim2', 0.4 * np.arange(6), 'x', '[n_m]')
        m = f.create_group('microscope')
        m.attrs['voltage'] = 300.0
        m.attrs['name'] = 'TEAM 0.5'


def write_berkeley_stack(path):
    with h5py.File(path, 'w') as f:
        f.attrs['version_major'] = 0
        f.attrs['version_minor'] = 2
        s = f.create_group('data/spectrum')
        s.attrs['emd_group_type'] = 1
        ds(s, 'data', np.linspace(0.0, 3.0, 7))
        dim(s, 'dim1', 100.0 + 2.5 * np.arange(7), 'E', 'eV')
        g = f.create_group('data/stack')
        g.attrs['emd_group_type'] = 1
        data = (np.arange(60, dtype='u2').reshape(3, 4, 5) * 1000 + 7).astype('u2')
        data[2, 3, 4] = 65535
        ds(g, 'data', data, chunks=(1, 4, 5), compression='gzip', compression_opts=4)
        dim(g, 'dim1', 0.5 * np.arange(3), 't', 's')
        dim(g, 'dim2', -1.0 + 0.2 * np.arange(4), 'y', '[n_m]')
        dim(g, 'dim3', 0.125 * np.arange(5), 'x', 'nm')


def write_berkeley_bigendian(path):
    with h5py.File(path, 'w') as f:
        f.attrs['version_major'] = 0
        f.attrs['version_minor'] = 2
        g = f.create_group('data/image')
        g.attrs['emd_group_type'] = 1
        ds(g, 'data', np.array([[1.5, -2.25, 3.0], [1e-3, 65504.0, -0.0]], dtype='>f4'))
        dim(g, 'dim1', [0.0, 2.0], 'y', 'nm')
        dim(g, 'dim2', [10.0, 11.0, 12.0], 'x', 'nm')


def velox_metadata(detector, index, pixel_w, pixel_h, offset_x, offset_y, width, height, frame, stem_mag):
    """One frame's Velox metadata JSON (the keys and string-valued style of real Velox files)."""
    return {
        'Acquisition': {'AcquisitionStartDatetime': {'DateTime': str(1600000000 + frame)}, 'SourceType': 'XFEG'},
        'BinaryResult': {
            'AcquisitionUnit': '', 'CompositionType': 'Image', 'Detector': detector, 'DetectorIndex': str(index),
            'Encoding': 'uint16', 'ImageSize': {'width': str(width), 'height': str(height)},
            'Offset': {'x': offset_x, 'y': offset_y}, 'PixelSize': {'width': pixel_w, 'height': pixel_h},
            'PixelUnitX': 'm', 'PixelUnitY': 'm',
        },
        'Core': {'MetadataDefinitionVersion': '7.9', 'MetadataSchemaVersion': 'v1/2013/07'},
        'CustomProperties': {'StemMagnification': {'type': 'double', 'value': stem_mag}},
        'Detectors': {f'Detector-{index}': {'DetectorName': detector, 'DetectorType': 'ScanningDetector', 'Enabled': 'true', 'Inserted': 'true'}},
        'Instrument': {'InstrumentClass': 'Titan', 'InstrumentId': '3945', 'InstrumentModel': 'Titan G2 60-300', 'Manufacturer': 'FEI Company'},
        'Optics': {'AccelerationVoltage': '300000', 'CameraLength': '0.115', 'NominalMagnification': str(int(float(stem_mag)) // 2), 'SpotIndex': '6'},
        'Scan': {'DwellTime': '2e-06', 'FrameTime': '0.25', 'ScanSize': {'width': str(width), 'height': str(height)}},
        'Stage': {'AlphaTilt': '0.01', 'BetaTilt': '0', 'Position': {'x': '1e-6', 'y': '-2e-6', 'z': '0'}},
    }


def write_velox_image(f, uuid, op_uuid, data, metas, compress=False, operation='StemInputOperation'):
    g = f.require_group('Data/Image').create_group(uuid)
    kw = {'chunks': data.shape[:2] + (1,), 'compression': 'gzip'} if compress else {}
    ds(g, 'Data', data, **kw)
    blobs = [json.dumps(m).encode('utf-8') for m in metas]
    length = ((max(len(b) for b in blobs) + 255) // 256) * 256 + 256  # NUL padding, like Velox
    md = np.zeros((length, len(blobs)), dtype='u1')
    for i, b in enumerate(blobs):
        md[: len(b), i] = np.frombuffer(b, dtype='u1')
    ds(g, 'Metadata', md)
    op = json.dumps({'dataPath': f'/Data/Image/{uuid}', 'detector': metas[0]['BinaryResult']['Detector']}).encode()
    ds(f.require_group(f'Operations/{operation}'), op_uuid, np.array([op]))


def write_velox_2frames(path):
    with h5py.File(path, 'w') as f:
        ds(f, 'Version', np.array([json.dumps({'format': 'Velox', 'version': '2'}).encode()]))
        y, x, n = np.meshgrid(np.arange(3), np.arange(4), np.arange(2), indexing='ij')
        data = (1000 * n + 10 * y + x + 1).astype('u2')  # stored [y, x, frames]
        metas = [velox_metadata('HAADF', 3, '2.5e-10', '3e-10', '-5e-10', '-4.5e-10', 4, 3, k, '2550000') for k in range(2)]
        write_velox_image(f, UUID_A, UUID_OP_A, data, metas)


def write_velox_2datasets(path):
    with h5py.File(path, 'w') as f:
        ds(f, 'Version', np.array([json.dumps({'format': 'Velox', 'version': '2'}).encode()]))
        a = (np.arange(12, dtype='u2').reshape(3, 4, 1) * 300 + 5).astype('u2')
        write_velox_image(f, UUID_A, UUID_OP_A, a, [velox_metadata('HAADF', 3, '1.25e-09', '1.25e-09', '0', '0', 4, 3, 0, '640000')])
        b = (np.arange(10, dtype='f4').reshape(5, 2, 1) / 8 - 0.5).astype('f4')
        write_velox_image(f, UUID_B, UUID_OP_B, b, [velox_metadata('DF4', 1, '7.5e-11', '8e-11', '1e-9', '2e-9', 2, 5, 0, '5100000')], compress=True)


def write_velox_dpc(path):
    with h5py.File(path, 'w') as f:
        ds(f, 'Version', np.array([json.dumps({'format': 'Velox', 'version': '2'}).encode()]))
        dpc = np.zeros((3, 4, 1), dtype=[('realFloat', '<f4'), ('imagFloat', '<f4')])
        dpc['realFloat'][..., 0] = np.arange(12, dtype='f4').reshape(3, 4) - 5.5
        dpc['imagFloat'][..., 0] = (np.arange(12, dtype='f4').reshape(3, 4) % 5) * 0.75
        meta = velox_metadata('DF4-A', 2, '5e-10', '5e-10', '0', '0', 4, 3, 0, '1280000')
        write_velox_image(f, UUID_A, UUID_OP_A, dpc, [meta], operation='DpcOperation')


def write_plain(path):
    with h5py.File(path, 'w') as f:
        g = f.create_group('entry')
        g.attrs['NX_class'] = 'NXentry'
        ds(g, 'data', np.array([[1, 2], [3, 4]], dtype='f4'))


def num(v):
    return float(v) if v is not None else None


def use_rsciio_source():
    """Makes a rosettasciio source checkout (RSCIIO_SRC) importable; see the module docstring."""
    src = os.environ.get('RSCIIO_SRC')
    if not src:
        return
    import subprocess
    import tempfile

    described = os.environ.get('RSCIIO_VERSION')  # for an export without .git
    if not described:
        try:
            described = subprocess.run(['git', '-C', src, 'describe', '--tags'], capture_output=True, text=True, check=True).stdout.strip()
        except Exception:
            described = 'source'
    shim = tempfile.mkdtemp(prefix='rsciio-shim-')
    with open(os.path.join(shim, 'box.py'), 'w') as fh:
        fh.write('class Box(dict):\n    """Stub: rsciio uses python-box only when writing."""\n')
    meta = os.path.join(shim, 'rosettasciio-0.0.0.dist-info')
    os.makedirs(meta)
    with open(os.path.join(meta, 'METADATA'), 'w') as fh:
        fh.write(f'Metadata-Version: 2.1\nName: rosettasciio\nVersion: {described}\n')
    sys.path[:0] = [src, shim]


def rsciio_version():
    from importlib.metadata import version

    return version('rosettasciio')


def reference_berkeley(path):
    """rsciio's reading of every dataset, mapped back to stored order (see the module docstring)."""
    from rsciio.emd import file_reader
    from rsciio.emd._emd_ncem import EMD_NCEM

    with h5py.File(path, 'r') as f:
        paths = EMD_NCEM.find_dataset_paths(f)
    out = []
    for p in paths:
        [d] = file_reader(path, dataset_path=p, stack_group=False)
        data = np.asarray(d['data'])
        rank = data.ndim
        stored = data.T
        with h5py.File(path, 'r') as f:
            raw = f[p][()]
        assert raw.shape == stored.shape and np.array_equal(raw, stored), f'{p}: rsciio data.T differs from h5py'
        by_index = {a['index_in_array']: a for a in d['axes']}
        axes = []
        for k in range(rank):
            a = by_index[rank - 1 - k]
            axes.append({'name': a['name'], 'size': int(a['size']), 'offset': num(a['offset']), 'scale': num(a['scale']), 'unit': a['units']})
        out.append({'path': '/' + p.lstrip('/'), 'shape': list(stored.shape), 'dtype': str(raw.dtype.newbyteorder('=')), 'values': stored.astype('f8').ravel().tolist(), 'axes': axes})
    return out


def reference_velox(path):
    from rsciio.emd import file_reader
    from rsciio.utils._units import _UREG

    dicts = file_reader(path)
    with h5py.File(path, 'r') as f:
        keys = list(f['Data/Image'].keys())
        raws = [f[f'Data/Image/{k}/Data'][()] for k in keys]
    assert len(dicts) == len(keys)
    out = []
    for key, raw, d in zip(keys, raws, dicts):
        data = np.asarray(d['data'])
        if data.ndim == 2:
            data = data[np.newaxis]
        complex_parts = raw.dtype.names
        dtype = str(raw.dtype)
        if complex_parts:  # Velox FFT / DPC: a {real, imag} compound
            raw = raw[complex_parts[0]] + 1j * raw[complex_parts[1]]
            dtype = 'complex64'
        assert np.array_equal(np.moveaxis(raw, 2, 0), data), f'{key}: rsciio differs from h5py rolled to [frames, y, x]'
        axes = []
        if raw.shape[2] > 1:
            t = next(a for a in d['axes'] if a['name'] == 'Time')
            axes.append({'name': 'n', 'size': int(t['size']), 'offset': 0.0, 'scale': float(_UREG.Quantity(float(t['scale']), t['units']).to('s').magnitude), 'unit': 's'})
        else:
            axes.append({'name': 'n', 'size': 1})
        for name in ['y', 'x']:
            a = next(a for a in d['axes'] if a['name'] == name)

            def to_nm(v, unit=a['units']):
                return float(_UREG.Quantity(float(v), unit).to('nm').magnitude)

            axes.append({'name': name, 'size': int(a['size']), 'offset': to_nm(a['offset']), 'scale': to_nm(a['scale']), 'unit': 'nm'})
        om = d['original_metadata']
        mapping = d['mapping']

        def mapped(key):
            node = om
            for part in key.split('.'):
                node = node[part]
            fn = mapping[key][1]
            return fn(node) if fn else node

        extra = {}
        if complex_parts:
            c = data.astype('complex128').ravel()
            extra['native'] = np.stack([c.real, c.imag], axis=1).ravel().tolist()
            values = np.abs(c).tolist()
        else:
            values = data.astype('f8').ravel().tolist()
        out.append({
            'path': f'/Data/Image/{key}/Data',
            'shape': list(data.shape),
            'dtype': dtype,
            'values': values,
            **extra,
            'axes': axes,
            'metadata': {
                'detector': d['metadata']['General']['title'],
                'beamEnergy_kV': mapped('Optics.AccelerationVoltage'),
                'magnification': mapped('CustomProperties.StemMagnification.value'),
                'microscope': mapped('Instrument.InstrumentClass'),
                'cameraLength_mm': mapped('Optics.CameraLength'),
            },
        })
    return out


def main():
    use_rsciio_source()
    try:
        version = rsciio_version()
        import rsciio.emd  # noqa: F401
    except Exception as e:
        sys.exit(f'rosettasciio is needed for the reference JSON ({e}); see the module docstring. Not falling back.')
    os.makedirs(OUT, exist_ok=True)
    writers = {
        'berkeley-image.emd': (write_berkeley_image, reference_berkeley),
        'berkeley-stack.emd': (write_berkeley_stack, reference_berkeley),
        'berkeley-bigendian.emd': (write_berkeley_bigendian, reference_berkeley),
        'velox-2frames.emd': (write_velox_2frames, reference_velox),
        'velox-2datasets.emd': (write_velox_2datasets, reference_velox),
        'velox-dpc.emd': (write_velox_dpc, reference_velox),
        'plain.h5': (write_plain, None),
    }
    for name, (write, reference) in writers.items():
        path = os.path.join(OUT, name)
        write(path)
        if reference is None:
            continue
        expected = {
            'file': name,
            'flavour': 'velox' if name.startswith('velox') else 'berkeley',
            'reference': f'rosettasciio {version} rsciio.emd.file_reader, h5py {h5py.__version__}',
            'datasets': reference(path),
        }
        with open(os.path.join(OUT, name.rsplit('.', 1)[0] + '.json'), 'w') as fh:
            json.dump(expected, fh, indent=1)
            fh.write('\n')
        print(name, [(d['path'], d['shape']) for d in expected['datasets']])


if __name__ == '__main__':
    main()
