"""JPEG reference fixtures for trustscope's JPEG reader (src/data/formats/jpeg.ts).

How to run (from the repository root; needs Pillow and numpy — /usr/bin/python3 has both):

    /usr/bin/python3 bench/reference/make_jpeg_fixtures.py            # writes test/fixtures/formats/jpeg/
    /usr/bin/python3 bench/reference/make_jpeg_fixtures.py OUT_DIR    # writes OUT_DIR/

Every <name>.jpg is written by Pillow's encoder (libjpeg), and <name>.json is what Pillow's decoder
(the same libjpeg) reads back:

    mode, width, height  Pillow's image mode ('L', 'RGB', 'CMYK') and size
    values               np.asarray(image).ravel(): H x W for 'L', H x W x 3 interleaved for 'RGB'
    subsampling          the chroma subsampling asked of the encoder ('4:4:4', '4:2:0', or none)
    ycbcr                colour only: libjpeg's Y, Cb, Cr before the colour conversion (Pillow's
                         draft('YCbCr'); chroma already upsampled), H x W x 3 interleaved
    progressive, dpi     what the encoder was asked for (dpi → the JFIF density)
    reader               false when trustscope must refuse the file (CMYK), with the reason

The images are smooth EM-like patterns (gradients, a disk, Gaussian noise from a seeded generator),
sized so that the width and height are not multiples of the 8×8 block or of the MCU.
"""
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join('test', 'fixtures', 'formats', 'jpeg')


def grey_pattern(h, w, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    disk = ((y - h / 2) ** 2 + (x - w / 3) ** 2 < (min(h, w) / 4) ** 2) * 90.0
    base = 40 + 120 * x / max(1, w - 1) + disk + rng.normal(0, 12, (h, w))
    return np.clip(np.round(base), 0, 255).astype(np.uint8)


def rgb_pattern(h, w, seed):
    g = grey_pattern(h, w, seed).astype(np.float64)
    y, x = np.mgrid[0:h, 0:w]
    r = g
    gg = 255 - g * 0.8
    b = 60 + 150 * y / max(1, h - 1)
    return np.clip(np.round(np.stack([r, gg, b], axis=-1)), 0, 255).astype(np.uint8)


def write(name, image, reader=True, reason=None, **save):
    path = os.path.join(OUT, name + '.jpg')
    image.save(path, format='JPEG', **save)
    back = Image.open(path)
    back.load()
    values = np.asarray(back)
    record = {
        'file': name + '.jpg',
        'pillow_version': PIL.__version__,
        'mode': back.mode,
        'width': back.width,
        'height': back.height,
        'subsampling': {0: '4:4:4', 1: '4:2:2', 2: '4:2:0'}.get(save.get('subsampling', -1)),
        'progressive': bool(save.get('progressive', False)),
        'quality': save.get('quality'),
        'dpi': list(save['dpi']) if 'dpi' in save else None,
        'reader': reader,
    }
    if reason:
        record['reason'] = reason
    if reader:
        record['values'] = values.ravel().tolist()
    if reader and back.mode == 'RGB':
        # libjpeg's output before its colour conversion (chroma already upsampled): Y, Cb, Cr interleaved.
        planes = Image.open(path)
        planes.draft('YCbCr', planes.size)
        planes.load()
        assert planes.mode == 'YCbCr'
        record['ycbcr'] = np.asarray(planes).ravel().tolist()
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump(record, f, indent=0)
        f.write('\n')


def main():
    os.makedirs(OUT, exist_ok=True)
    grey = Image.fromarray(grey_pattern(21, 30, 1), mode='L')
    rgb = Image.fromarray(rgb_pattern(19, 27, 2), mode='RGB')
    write('grey-baseline', grey, quality=90)
    write('grey-progressive', grey, quality=75, progressive=True)
    write('grey-dpi', grey, quality=95, dpi=(254, 254))
    write('rgb-444-baseline', rgb, quality=90, subsampling=0)
    write('rgb-444-progressive', rgb, quality=80, subsampling=0, progressive=True)
    write('rgb-420-baseline', rgb, quality=90, subsampling=2)
    write('cmyk', rgb.convert('CMYK'), reader=False, reason='CMYK (4 components)', quality=90)


if __name__ == '__main__':
    main()
