"""NumPy .npy fixtures for trustscope's .npy reader (src/data/formats/npy.ts): every numeric dtype,
both byte orders, C and Fortran order, written by numpy itself (np.save).

How to run (from the repository root):

    /usr/bin/python3 bench/reference/make_npy_fixtures.py            # writes test/fixtures/formats/npy/
    /usr/bin/python3 bench/reference/make_npy_fixtures.py OUT_DIR

Every <name>.npy has a <name>.json holding what numpy reads back (np.load):

    descr, fortran_order, shape   the header numpy wrote (np.lib.format.read_array_header_*)
    dtype                         numpy's dtype name ('uint64', 'complex64', …)
    values                        a.ravel(order='C') — the C-order values the caller must get:
                                  integers as decimal strings (exact beyond 2^53), floats as numbers
                                  or 'nan'/'inf'/'-inf', complex as interleaved re, im; bool as 0/1
    float32                       what trustscope's float32 values must be: a.astype(float32), for
                                  complex np.abs(a.astype(complex128)).astype(float32) (the magnitude)
"""
import json
import math
import os
import sys

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join('test', 'fixtures', 'formats', 'npy')


def sample(dtype, shape):
    n = int(np.prod(shape))
    k = np.arange(n)
    dt = np.dtype(dtype)
    if dt.kind == 'b':
        return (k % 3 == 0).reshape(shape)
    if dt.kind in 'iu':
        info = np.iinfo(dt)
        # The extremes first, then values that show byte order (several bytes non-zero).
        vals = [info.min, info.max, 0, 1] + [int(info.max // 7 * (j + 1) // 5) for j in range(n)]
        if dt.kind == 'i':
            vals[2] = -1
        return np.array(vals[:n], dtype=object).astype(dt).reshape(shape)
    if dt.kind == 'f':
        vals = [0.0, -0.0, 1.5, -2.25, float('inf'), float('nan'), float(np.finfo(dt).max), float(np.finfo(dt).tiny) / 4]
        vals += [math.sin(j) * 1000 / (j + 1) for j in range(n)]
        return np.array(vals[:n], dtype=np.float64).astype(dt).reshape(shape)
    if dt.kind == 'c':
        re = np.array([3.0, -1.5, 0.0, 1e-3] + [math.cos(j) * 10 for j in range(n)])[:n]
        im = np.array([4.0, 2.0, -0.0, -7.0] + [math.sin(j) * 5 for j in range(n)])[:n]
        return (re + 1j * im).astype(dt).reshape(shape)
    raise ValueError(dtype)


def number(v):
    v = float(v)
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def record(a):
    flat = a.ravel(order='C')
    if a.dtype.kind == 'b':
        values = [int(v) for v in flat]
        f32 = flat.astype(np.float32)
    elif a.dtype.kind in 'iu':
        values = [str(int(v)) for v in flat]
        f32 = flat.astype(np.float32)
    elif a.dtype.kind == 'c':
        values = [number(x) for v in flat for x in (v.real, v.imag)]
        f32 = np.abs(flat.astype(np.complex128)).astype(np.float32)
    else:
        values = [number(v) for v in flat]
        f32 = flat.astype(np.float32)
    return values, [number(v) for v in f32]


def write(name, a):
    path = os.path.join(OUT, name + '.npy')
    np.save(path, a)
    with open(path, 'rb') as f:
        version = np.lib.format.read_magic(f)
        shape, fortran, dtype = np.lib.format._read_array_header(f, version)
    back = np.load(path)
    values, f32 = record(back)
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump({'file': name + '.npy', 'numpy_version': np.__version__, 'descr': np.lib.format.dtype_to_descr(dtype),
                   'fortran_order': fortran, 'shape': list(shape), 'dtype': back.dtype.name,
                   'values': values, 'float32': f32}, f)
        f.write('\n')


CODES = ['b1', 'i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8', 'f2', 'f4', 'f8', 'c8', 'c16']


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.startswith(('dtype-', 'fortran-')):
            os.remove(os.path.join(OUT, old))
    for code in CODES:
        size = np.dtype(code).itemsize
        orders = ['<', '>'] if size > 1 and code not in ('c8', 'c16') or code in ('c8', 'c16') else ['|']
        for order in orders:
            descr = order + code
            a = sample(descr, (2, 3))
            write(f"dtype-{code}-{'le' if order == '<' else 'be' if order == '>' else 'na'}", a)
    # Fortran order: a 3-D array saved as its column-major layout (np.asfortranarray), some big-endian.
    for descr in ['<f4', '<u2', '>i4', '<c8', '>c16', '|b1', '<i8', '>f8', '<f2']:
        a = np.asfortranarray(sample(descr, (2, 3, 4)))
        assert a.flags.f_contiguous and not a.flags.c_contiguous
        code = descr[1:]
        write(f"fortran-{code}-{'le' if descr[0] == '<' else 'be' if descr[0] == '>' else 'na'}", a)


if __name__ == '__main__':
    main()
