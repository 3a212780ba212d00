"""What the field's reference reader makes of DigitalMicrograph files, as JSON for the tests.

    /usr/bin/python3 bench/reference/dm_reference.py FILE.dm3 ... > expected.json

Uses rosettasciio (``rsciio.digitalmicrograph.file_reader``) when it is installed, otherwise the
reader it was split from, HyperSpy 1.7's ``hyperspy.io_plugins.digital_micrograph`` (Debian's
python3-hyperspy): the same parser and image logic. For each file: the reader used, and for every
non-thumbnail image its shape, dtype, axes (name, size, scale, offset, units), title, a few tags,
and its values: all of them for small arrays (complex as magnitude plus re/im pairs, RGB(A) as
per-pixel channel lists), a SHA-256 of the C-order little-endian bytes otherwise.
"""

import hashlib
import json
import math
import os
import sys

import numpy as np

try:
    from rsciio.digitalmicrograph import file_reader

    READER = "rsciio"
except ImportError:  # Debian ships HyperSpy 1.7, whose io_plugins became rsciio
    from hyperspy.io_plugins.digital_micrograph import file_reader

    READER = "hyperspy-1.7"

MAX_VALUES = 4096


def clean(x):
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, (np.floating,)):
        return clean(float(x))
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def tag(om, *path):
    node = om
    for p in path:
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    return clean(node) if not isinstance(node, dict) else None


def describe(path):
    out = {"file": os.path.basename(path), "reader": READER, "images": []}
    try:
        signals = file_reader(path)
    except Exception as e:  # the reference refuses the file: record why
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    for im in signals:
        data = im["data"]
        entry = {"shape": list(data.shape)}
        if data.dtype.names:  # RGB(A): a structured array of R, G, B, A bytes
            entry["dtype"] = "rgba-struct:" + ",".join(data.dtype.names)
            flat = np.stack([data[n] for n in data.dtype.names], axis=-1).astype(np.uint8)
            if data.size <= MAX_VALUES:
                entry["values"] = flat.reshape(-1, len(data.dtype.names)).tolist()
            entry["sha256"] = hashlib.sha256(np.ascontiguousarray(flat).tobytes()).hexdigest()
        else:
            entry["dtype"] = str(data.dtype)
            little = np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<"))
            entry["sha256"] = hashlib.sha256(little.tobytes()).hexdigest()
            if data.size <= MAX_VALUES:
                if np.iscomplexobj(data):
                    entry["values"] = [float(v) for v in np.abs(data.astype(np.complex128)).ravel()]
                    entry["complex"] = [[float(v.real), float(v.imag)] for v in data.ravel()]
                else:
                    entry["values"] = [clean(float(v)) if data.dtype.kind == "f" else int(v) for v in data.ravel()]
        entry["axes"] = [
            {
                "name": a.get("name") if isinstance(a.get("name"), str) else None,
                "size": int(a["size"]),
                "scale": float(a["scale"]),
                "offset": float(a["offset"]),
                "units": str(a["units"]) if isinstance(a.get("units"), str) else "",
            }
            for a in im["axes"]
        ]
        om = im["original_metadata"]
        img = om["ImageList"]["TagGroup0"]
        entry["title"] = im["metadata"]["General"].get("title", "")
        entry["voltage"] = tag(img, "ImageTags", "Microscope Info", "Voltage")
        entry["magnification"] = tag(img, "ImageTags", "Microscope Info", "Indicated Magnification")
        entry["microscope"] = tag(img, "ImageTags", "Microscope Info", "Name")
        entry["dataType"] = tag(img, "ImageData", "DataType")
        out["images"].append(entry)
    return out


if __name__ == "__main__":
    json.dump([describe(p) for p in sys.argv[1:]], sys.stdout, indent=1)
    sys.stdout.write("\n")
