/** `explain --png DIR`: one overlay picture per explained image, for a quick look. */
import { basename, extname, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { row } from '../tensor/tensor.js';
import { overlayPng } from '../report/png.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/** Writes DIR/<stem>-<i>.png (image in grey, map in inferno) and returns the paths written. */
export async function writeOverlays(dir: string, stem: string, images: Tensor, maps: Tensor): Promise<string[]> {
  const [n, , h, w] = images.shape;
  // Small micrographs are upscaled (nearest) so that a 32×32 tile is still visible.
  const scale = Math.max(1, Math.floor(256 / Math.max(h, w)));
  const name = basename(stem, extname(stem));
  const written: string[] = [];
  for (let i = 0; i < n; i++) {
    const image = row(images, i);
    const map = row(maps, i);
    const png = overlayPng({ shape: image.shape.slice(1), data: image.data }, { shape: map.shape.slice(1), data: map.data }, { scale });
    const path = join(dir, `${name}-${i}.png`);
    await writeFileAtomic(path, png);
    written.push(path);
  }
  return written;
}
