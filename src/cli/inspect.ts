/**
 * `trustscope inspect FILE…`: what is in a microscope file before anything is computed — shape,
 * dtype, value range, axes with their calibration, the reader that read it and its key metadata.
 * `--json` prints one JSON object per file instead (for scripts and the workbench).
 */
import type { Command } from 'commander';
import type { DatasetEntry, ImageArray } from '../data/formats/reader.js';
import { describeDataset, listDatasets } from '../data/formats/registry.js';
import { addDatasetOption, readArray } from './inputs.js';

export interface FileSummary {
  file: string;
  format: string;
  dtype: string;
  shape: number[];
  min: number;
  max: number;
  mean: number;
  axes: ImageArray['axes'];
  metadata: Record<string, unknown>;
  /** Every dataset of a file holding several (EMD), and the one summarised. */
  datasets?: DatasetEntry[];
  dataset?: string;
}

/** Metadata values short enough for a terminal line; nested objects are listed by key only. */
function shortMetadata(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = typeof v === 'string' && v.length > 120 ? `${v.slice(0, 117)}…` : v;
    else if (Array.isArray(v)) out[k] = v.length <= 8 && v.every((x) => typeof x !== 'object') ? v : `[${v.length} items]`;
    else {
      // One level down, the primitive values (microscope.voltage, intensity.unit…); deeper trees by key only.
      const entries = Object.entries(v as Record<string, unknown>);
      const flat = entries.filter(([, x]) => x === null || ['string', 'number', 'boolean'].includes(typeof x));
      for (const [kk, x] of flat.slice(0, 12)) out[`${k}.${kk}`] = x;
      if (flat.length < entries.length) out[k] = `{${entries.filter(([, x]) => typeof x === 'object' && x !== null).map(([kk]) => kk).slice(0, 6).join(', ')}}`;
    }
  }
  return out;
}

export async function summarise(file: string, dataset?: string): Promise<FileSummary> {
  // Listing first: a file whose default dataset cannot be read still shows what it holds.
  let datasets: DatasetEntry[] | undefined;
  try {
    datasets = await listDatasets(file);
  } catch {
    datasets = undefined; // readArray below reports the file's problem in its own words
  }
  // --dataset applies to the files that hold several; inspect shows the others as they are.
  const a = await readArray(file, dataset !== undefined && datasets ? { dataset } : {});
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of a.values.data) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { file, format: a.format, dtype: a.dtype, shape: [...a.values.shape], min, max, mean: sum / Math.max(1, a.values.data.length), axes: a.axes, metadata: shortMetadata(a.metadata), ...(datasets ? { datasets, ...(typeof a.metadata.dataset === 'string' ? { dataset: a.metadata.dataset } : {}) } : {}) };
}

function axisText(a: ImageArray['axes'][number]): string {
  const cal = a.scale !== undefined ? ` × ${a.scale}${a.unit ? ` ${a.unit}` : ''}${a.offset ? ` from ${a.offset}` : ''}` : '';
  return `${a.name} ${a.size}${cal}`;
}

export function registerInspect(program: Command): void {
  const command = program
    .command('inspect')
    .description('show what a file holds: format, shape, dtype, value range, calibrated axes and key metadata (any format trustscope reads)')
    .argument('<files...>', 'image files (.npy, .png, and every format of the input-file registry)')
    .option('--json', 'one JSON object per file on stdout');
  addDatasetOption(command);
  command.action(async (files: string[], opts: { json?: boolean; dataset?: string }) => {
    for (const file of files) {
      const s = await summarise(file, opts.dataset);
      if (opts.json) {
        console.log(JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
        continue;
      }
      console.log(`${file}: ${s.format}, ${s.dtype} [${s.shape.join(', ')}], values ${s.min}..${s.max} (mean ${s.mean.toPrecision(4)})`);
      console.log(`  axes: ${s.axes.map(axisText).join('; ')}`);
      for (const [k, v] of Object.entries(s.metadata)) console.log(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
      if (s.datasets) {
        console.log(`  datasets (choose with --dataset NAME; * = shown above):`);
        for (const d of s.datasets) console.log(`    ${d.name === s.dataset ? '*' : '-'} ${describeDataset(d)}${d.image ? '' : ' (not an image)'}`);
      }
    }
  });
}
