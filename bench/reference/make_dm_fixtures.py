"""Small Gatan DigitalMicrograph files for the DM reader's tests, built byte by byte.

    /usr/bin/python3 bench/reference/make_dm_fixtures.py [OUT_DIR]   (default test/fixtures/formats/dm)

No Python library writes DM3/DM4, so this writes the tag-file layout directly, shaped like the files
DigitalMicrograph saves: a root with an ImageList whose first entry is an 8x8 RGBA thumbnail named
by the root Thumbnails group and whose second is the real image (ImageData with Calibrations,
Data, DataType, Dimensions, PixelDepth; ImageTags with Microscope Info, DataBar, Acquisition and,
for spectra, Meta Data; Name; UniqueID), plus a group of unusual tag types (struct, type-18 string,
array of structs, array of strings, 64-bit integers, a long array). Image data arrays use the
element types DM uses (uint16 images as type 4, RGBA as type 3, complex as a struct of two reals).

For each file NAME.dmN it writes NAME.json with
  written:   what the builder put in (shape in C order, dtype, the values flattened in C order:
             complex as [re, im] pairs, RGB(A) as [R, G, B, A] per pixel; axes as scale, offset
             (= -origin * scale), units),
  reference: what the field's reference reader makes of the file (bench/reference/dm_reference.py:
             rosettasciio when installed, else HyperSpy 1.7's DM plug-in), or its error.
"""

import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dm_reference import describe  # noqa: E402

SIMPLE = {  # DM tag type code -> struct format
    2: "h", 3: "i", 4: "H", 5: "I", 6: "f", 7: "d", 8: "?", 9: "b", 10: "B", 11: "q", 12: "Q",
}

# ImageData/DataType -> (numpy dtype of the values, DM element type code of the Data array)
DATA_TYPES = {
    1: ("int16", 2),
    2: ("float32", 6),
    3: ("complex64", None),
    6: ("uint8", 10),
    7: ("int32", 3),
    8: ("rgb", 3),
    9: ("int8", 9),
    10: ("uint16", 4),
    11: ("uint32", 5),
    12: ("float64", 7),
    13: ("complex128", None),
    14: ("bool", 8),
    23: ("rgba", 3),
    27: ("complex64", 6),  # packed: a half-plane FFT, H x (W/2 + 1) complex values as a float32 array
}
DTYPE_NAMES = {1: "int16", 2: "float32", 3: "complex64", 6: "uint8", 7: "int32", 8: "rgb8", 9: "int8",
               10: "uint16", 11: "uint32", 12: "float64", 13: "complex128", 14: "bool", 23: "rgba8", 27: "complex64"}


class Writer:
    def __init__(self, version, little):
        self.version = version
        self.little = little
        self.e = "<" if little else ">"

    def word(self, n):
        return struct.pack(">Q" if self.version == 4 else ">I", n)

    def _tag(self, kind, name, body):
        raw = name.encode("latin-1")
        head = bytes([kind]) + struct.pack(">H", len(raw)) + raw
        if self.version == 4:
            head += struct.pack(">Q", len(body))
        return head + body

    def group(self, name, children):
        body = b"\x00\x01" + self.word(len(children)) + b"".join(children)
        return self._tag(20, name, body)

    def data(self, name, info, payload):
        body = b"%%%%" + self.word(len(info)) + b"".join(self.word(w) for w in info) + payload
        return self._tag(21, name, body)

    # values -----------------------------------------------------------------
    def simple(self, name, code, value):
        return self.data(name, [code], struct.pack(self.e + SIMPLE[code], value))

    def text(self, name, s):
        units = s.encode("utf-16-le" if self.little else "utf-16-be")
        return self.data(name, [20, 4, len(units) // 2], units)

    def string18(self, name, s):
        raw = s.encode("utf-8")
        return self.data(name, [18, len(raw)], raw)

    def array(self, name, code, values):
        return self.data(name, [20, code, len(values)], b"".join(struct.pack(self.e + SIMPLE[code], v) for v in values))

    def struct(self, name, codes, values):
        info = [15, 0, len(codes)] + [w for c in codes for w in (0, c)]
        return self.data(name, info, b"".join(struct.pack(self.e + SIMPLE[c], v) for c, v in zip(codes, values)))

    def struct_array(self, name, codes, rows):
        info = [20, 15, 0, len(codes)] + [w for c in codes for w in (0, c)] + [len(rows)]
        payload = b"".join(struct.pack(self.e + SIMPLE[c], v) for row in rows for c, v in zip(codes, row))
        return self.data(name, info, payload)

    def string_array(self, name, length, strings):
        payload = b"".join(s.encode("latin-1").ljust(length, b"\x00") for s in strings)
        return self.data(name, [20, 18, length, len(strings)], payload)

    def raw_array(self, name, info, payload):
        return self.data(name, info, payload)

    def file(self, root_children):
        body = b"\x00\x01" + self.word(len(root_children)) + b"".join(root_children)
        trailer = b"\x00" * 8
        size_width = 8 if self.version == 4 else 4
        total = 4 + size_width + 4 + len(body) + len(trailer)
        size = struct.pack(">Q" if self.version == 4 else ">I", total - (24 if self.version == 4 else 16))
        return struct.pack(">I", self.version) + size + struct.pack(">I", 1 if self.little else 0) + body + trailer


def pattern(data_type, count):
    """Deterministic values with each type's extremes in them."""
    i = np.arange(count)
    name = DATA_TYPES[data_type][0]
    if name in ("rgb", "rgba"):
        return np.stack([(i * 37) % 256, (i * 11 + 5) % 256, (255 - i * 7) % 256, (i * 53 + 100) % 256], axis=-1).astype(np.uint8)
    if name == "bool":
        return (i % 3 == 0)
    if name.startswith("complex"):
        return ((i - count / 2) * 0.75 + 1j * (i % 5 - 2) * 1.25).astype(name)
    dt = np.dtype(name)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        v = (i * 7919 - count * 100) % (int(info.max) - int(info.min) + 1) + int(info.min)
        v = v.astype(np.int64)
        v[0], v[-1] = info.min, info.max
        if count > 2:
            v[1] = 0
        return v.astype(dt)
    v = ((i - count / 3) * 0.37).astype(dt)
    v[-1] = 1.5e30 if dt == np.float32 else -2.5e300
    return v


def data_payload(w, data_type, values):
    """The ImageData/Data tag of an image: (info words, payload bytes) as DM writes them."""
    name, code = DATA_TYPES[data_type]
    flat = values.reshape(-1, values.shape[-1]) if name in ("rgb", "rgba") else values.ravel()
    if name in ("rgb", "rgba"):
        # Packed 32-bit pixels 0xAARRGGBB in the file's byte order (B, G, R, A on a little-endian file).
        packed = [int(b) | (int(g) << 8) | (int(r) << 16) | (int(a if name == "rgba" else 0) << 24) for r, g, b, a in flat]
        payload = b"".join(struct.pack(w.e + "I", p) for p in packed)
        return [20, code, len(packed)], payload
    if data_type == 27:
        return [20, code, 2 * len(flat)], b"".join(struct.pack(w.e + "ff", float(v.real), float(v.imag)) for v in flat)
    if name.startswith("complex"):
        real = "f" if name == "complex64" else "d"
        rc = 6 if real == "f" else 7
        payload = b"".join(struct.pack(w.e + real + real, float(v.real), float(v.imag)) for v in flat)
        return [20, 15, 0, 2, 0, rc, 0, rc, len(flat)], payload
    fmt = SIMPLE[code]
    return [20, code, len(flat)], b"".join(struct.pack(w.e + fmt, v.item()) for v in flat)


def image_group(w, data_type, dims, calibrations, name, tags, values):
    info, payload = data_payload(w, data_type, values)
    depth = {"rgb": 4, "rgba": 4, "complex64": 8, "complex128": 16, "bool": 1}.get(DATA_TYPES[data_type][0])
    if data_type == 27:
        depth = 4  # as DigitalMicrograph records it for packed complex
    elif depth is None:
        depth = np.dtype(DATA_TYPES[data_type][0]).itemsize
    cal = [
        w.group("", [w.simple("Origin", 6, origin), w.simple("Scale", 6, scale), w.text("Units", units)])
        for scale, origin, units in calibrations
    ]
    image_data = w.group("ImageData", [
        w.group("Calibrations", [
            w.group("Brightness", [w.simple("Origin", 6, 0.0), w.simple("Scale", 6, 1.0), w.text("Units", "counts")]),
            w.group("Dimension", cal),
            w.simple("DisplayCalibratedUnits", 8, True),
        ]),
        w.raw_array("Data", info, payload),
        w.simple("DataType", 3, data_type),
        w.group("Dimensions", [w.simple("", 5, d) for d in dims]),
        w.simple("PixelDepth", 5, depth),
    ])
    return w.group("", [image_data, w.group("ImageTags", tags), w.text("Name", name),
                        w.group("UniqueID", [w.simple("", 5, 1000 + k) for k in range(4)])])


def extras(w):
    """Tag types DM files use less often, so the parser meets each."""
    return w.group("Fixture Extras", [
        w.struct("Colour", [2, 6, 8], [-3, 0.5, True]),
        w.string18("Legacy String", "type-18 text"),
        w.struct_array("Points", [6, 6], [(0.5, 1.5), (2.5, 3.5), (4.5, 5.5)]),
        w.string_array("Labels", 4, ["ab", "cd", "efgh"]),
        w.simple("Big Signed", 11, -(2 ** 40) - 7),
        w.simple("Big Unsigned", 12, 2 ** 41 + 9),
        w.simple("Char", 9, -5),
        w.simple("Octet", 10, 200),
        w.array("Long Curve", 6, [k * 0.25 for k in range(100)]),
        w.array("Short Curve", 5, [1, 2, 3]),
        w.text("Unicode", "µm Å"),
        w.group("", [w.simple("", 3, 7)]),
    ])


def build(version, little, data_type, dims, calibrations, title, signal=None, fmt=None):
    w = Writer(version, little)
    shape = tuple(reversed(dims))  # DM lists x fastest
    name = DATA_TYPES[data_type][0]
    if data_type == 27:
        # What is stored is the half plane; the image is its unpacking (each row reversed, then the
        # conjugates of values 1 .. W/2 - 1), as rosettasciio documents it for even W.
        height, width = shape
        stored = pattern(3, height * (width // 2 + 1)).reshape(height, width // 2 + 1)
        full = np.hstack((stored[:, ::-1], np.conjugate(stored[:, 1:-1])))
    count = int(np.prod(shape))
    values = stored if data_type == 27 else pattern(data_type, count)
    values = values.reshape(values.shape if data_type == 27 else shape + ((4,) if name in ("rgb", "rgba") else ()))
    thumb_values = pattern(23, 64).reshape(8, 8, 4)
    thumb = image_group(w, 23, [8, 8], [(1.0, 0.0, ""), (1.0, 0.0, "")], "thumbnail", [], thumb_values)
    tags = [
        w.group("Microscope Info", [
            w.simple("Voltage", 7, 200000.0),
            w.simple("Indicated Magnification", 7, 225000.0),
            w.text("Name", "Fixture TEM"),
            w.text("Illumination Mode", "STEM NANOPROBE"),
            w.text("Operation Mode", "SCANNING"),
        ]),
        w.group("DataBar", [
            w.text("Acquisition Date", "7/9/2014"),
            w.text("Acquisition Time", "6:56:37 PM"),
            w.simple("Exposure Time (s)", 7, 0.5),
        ]),
        w.group("Acquisition", [w.group("Parameters", [w.group("Detector", [w.simple("exposure (s)", 7, 0.5)])])]),
    ]
    if signal or fmt:
        tags.append(w.group("Meta Data", ([w.text("Format", fmt)] if fmt else []) + ([w.text("Signal", signal)] if signal else [])))
    real = image_group(w, data_type, dims, calibrations, title, tags, values)
    root = [
        w.simple("HasWindowPosition", 8, True),
        w.group("ImageList", [thumb, real]),
        w.group("Thumbnails", [w.group("", [w.simple("ImageIndex", 5, 0), w.array("SourceSize_Pixels", 3, [dims[0], dims[1] if len(dims) > 1 else 1])])]),
        extras(w),
    ]
    raw = w.file(root)
    if name in ("rgb", "rgba"):
        channels = 3 if name == "rgb" else 4
        written_values = values[..., :channels].reshape(-1, channels).tolist()
    elif data_type == 27:
        written_values = [[float(v.real), float(v.imag)] for v in full.ravel()]
    elif name.startswith("complex"):
        written_values = [[float(v.real), float(v.imag)] for v in values.ravel()]
    elif name == "bool":
        written_values = [int(v) for v in values.ravel()]
    else:
        written_values = [v.item() for v in values.ravel()]
    written = {
        "version": version,
        "byteOrder": "little" if little else "big",
        "dataType": data_type,
        "dtype": DTYPE_NAMES[data_type],
        "shape": list(shape),
        "values": written_values,
        "axes": [
            {"scale": float(np.float32(s)), "offset": -float(np.float32(o)) * float(np.float32(s)) + 0.0, "units": u}
            for s, o, u in reversed(calibrations)
        ],
        "title": title,
        "signal": signal,
        "format": fmt,
    }
    return raw, written


NM2 = [(0.25, 2.0, "nm"), (0.5, -1.0, "nm")]
FIXTURES = []
for v in (3, 4):
    for dt in (6, 9, 1, 10, 7, 11, 2, 12, 3, 13, 14, 23, 8):
        FIXTURES.append((f"{DTYPE_NAMES[dt]}-2d.dm{v}", v, True, dt, [5, 4], NM2, f"{DTYPE_NAMES[dt]} image", None, None))
FIXTURES += [
    ("spectrum-float32-1d.dm3", 3, True, 2, [64], [(0.5, 40.0, "eV")], "EELS spectrum", "EELS", "Spectrum"),
    ("spectrum-uint32-1d.dm4", 4, True, 11, [48], [(0.01, -5.0, "keV")], "EDS spectrum", "X-ray", "Spectrum"),
    ("stack-uint16-3d.dm4", 4, True, 10, [5, 4, 3], NM2 + [(1.0, 0.0, "")], "stack", None, None),
    ("stack-int16-3d.dm3", 3, True, 1, [5, 4, 3], NM2 + [(2.0, 0.0, "s")], "time series", None, None),
    ("fft-packed-complex64-2d.dm4", 4, True, 27, [6, 3], [(0.5, 3.0, "1/nm"), (0.5, 1.5, "1/nm")], "FFT", None, None),
    ("si-float32-3d.dm4", 4, True, 2, [3, 2, 16], [(1.5, 0.0, "µm"), (1.5, 0.0, "µm"), (0.25, -400.0, "eV")], "spectrum image", "EELS", "Spectrum image"),
    ("float32-2d-be.dm3", 3, False, 2, [5, 4], NM2, "big-endian float32", None, None),
    ("int16-3d-be.dm4", 4, False, 1, [5, 4, 3], NM2 + [(1.0, 0.0, "")], "big-endian int16 stack", None, None),
    ("complex64-2d-be.dm4", 4, False, 3, [5, 4], NM2, "big-endian complex64", None, None),
    ("rgba8-2d-be.dm3", 3, False, 23, [5, 4], NM2, "big-endian rgba", None, None),
    ("uint8-2d-be.dm4", 4, False, 6, [5, 4], NM2, "big-endian uint8", None, None),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/formats/dm"
    os.makedirs(out, exist_ok=True)
    for name, version, little, dt, dims, cal, title, signal, fmt in FIXTURES:
        raw, written = build(version, little, dt, dims, cal, title, signal, fmt)
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(raw)
        record = {"written": written, "reference": describe(path)}
        with open(path + ".json", "w") as f:
            json.dump(record, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print(f"{name}: {len(raw)} bytes, reference {record['reference'].get('error', 'read')}")


if __name__ == "__main__":
    main()
