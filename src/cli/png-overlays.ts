/** `explain --png`: one overlay picture per explained image, for a quick look. */
import type { Tensor } from '../tensor/tensor.js';
import { row } from '../tensor/tensor.js';
import { overlayPng } from '../report/png.js';
import { scaleBarFor } from '../report/scale-bar.js';
import { calibrationOfImage, type FileCalibration } from '../data/spatial-calibration.js';
import type { OutputFolder } from './output-folder.js';

/** The sub-folder of --out that holds the overlays. */
export const OVERLAYS = 'overlays';

/**
 * Writes <out>/overlays/image-<i>.png (image in grey, map in inferno) through the output folder, so
 * each picture is listed in run.json (and removed with the run when it fails); returns their names.
 * `explained(i)`, when given, is the [1, H, W] region whose outputs were explained (a segmenter's
 * mask or pixel), outlined in cyan so the picture shows which question it answers. An image whose
 * file records a pixel size gets a scale bar burned in (bottom-right), so a picture copied into a
 * slide or a notebook keeps its scale.
 */
export async function writeOverlays(
  folder: OutputFolder,
  images: Tensor,
  maps: Tensor,
  calibrations: readonly FileCalibration[] = [],
  explained?: (i: number) => Tensor | undefined,
): Promise<string[]> {
  const [n, , h, w] = images.shape;
  // Small micrographs are upscaled (nearest) so that a 32×32 tile is still visible.
  const scale = Math.max(1, Math.floor(256 / Math.max(h, w)));
  const written: string[] = [];
  for (let i = 0; i < n; i++) {
    const image = row(images, i);
    const map = row(maps, i);
    const region = explained?.(i);
    // Outlined only when the region lies on the image's own pixel grid (output size = input size).
    const outlines = region && region.shape[1] === h && region.shape[2] === w ? [{ mask: region, color: '#00ffff' }] : [];
    const scaleBar = scaleBarFor(calibrationOfImage(calibrations, i), w, h);
    const png = overlayPng({ shape: image.shape.slice(1), data: image.data }, { shape: map.shape.slice(1), data: map.data }, { scale, outlines, scaleBar });
    const name = `${OVERLAYS}/image-${i}.png`;
    await folder.write(name, png);
    written.push(name);
  }
  return written;
}
