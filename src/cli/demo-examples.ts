/**
 * `audit --demo` hands its example tiles out in the formats a microscope user has: the same images
 * as a float32 .npy, a multi-page float32 TIFF and a folder of 16-bit PNGs, beside their labels,
 * specimen ids and defect masks. The values are quantised to 16 bits first (what a 16-bit PNG can
 * hold), so all three files feed a model bit-identical numbers and every README example gives the
 * same results from any of them (test/cli/demo-examples.test.ts runs them).
 */
import type { Dataset } from '../data/dataset.js';
import { encodeNpy } from '../data/formats/npy.js';
import { encodeGrey16Png, quantise16 } from '../data/formats/png-writer.js';
import { encodeFloat32TiffStack } from '../data/formats/tiff-writer.js';
import { row, tensor } from '../tensor/tensor.js';
import type { OutputFolder } from './output-folder.js';

/** The examples' sub-folder of the demo's --out, and the files in it. */
export const EXAMPLES = 'examples';
export const EXAMPLE_FILES = {
  npy: `${EXAMPLES}/tiles.npy`,
  tiff: `${EXAMPLES}/tiles.tif`,
  png: `${EXAMPLES}/tiles-png`,
  labels: `${EXAMPLES}/labels.npy`,
  groups: `${EXAMPLES}/groups.npy`,
  roi: `${EXAMPLES}/roi.npy`,
} as const;

/** Writes the examples through the output folder (listed in run.json); returns the names written. */
export async function writeDemoExamples(folder: OutputFolder, examples: Dataset, roiMask = 'defect'): Promise<string[]> {
  const images = quantise16(examples.images);
  const n = images.shape[0];
  const written = [
    await folder.write(EXAMPLE_FILES.npy, encodeNpy(images)),
    await folder.write(EXAMPLE_FILES.tiff, encodeFloat32TiffStack(images)),
  ];
  // Zero-padded names, so a folder read in name order is the batch in index order.
  const digits = String(Math.max(0, n - 1)).length;
  for (let i = 0; i < n; i++) {
    const r = row(images, i);
    written.push(await folder.write(`${EXAMPLE_FILES.png}/tile-${String(i).padStart(digits, '0')}.png`, encodeGrey16Png({ shape: r.shape.slice(1), data: r.data })));
  }
  written.push(await folder.write(EXAMPLE_FILES.labels, encodeNpy(tensor([n], examples.labels))));
  if (examples.groups) written.push(await folder.write(EXAMPLE_FILES.groups, encodeNpy(tensor([n], examples.groups))));
  const roi = examples.masks?.[roiMask];
  if (roi) written.push(await folder.write(EXAMPLE_FILES.roi, encodeNpy(roi)));
  return written;
}
