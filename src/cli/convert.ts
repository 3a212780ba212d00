/**
 * `trustscope convert --input F --out DIR`: any file trustscope reads → `data.npy` in the file's own
 * type (uint16 stays uint16; complex as complex64/128; RGB(A) as uint8 with a trailing axis of 3/4),
 * plus `axes.json` with the calibrations and metadata, and run.json.
 */
import type { Command } from 'commander';
import { encodeNpyArray, encodeNpy } from '../data/formats/npy.js';
import { addDatasetOption, imageReadOptions, readArray } from './inputs.js';
import { addRunOptions, runInFolder } from './run.js';

export const CONVERTED = 'data.npy';
export const AXES = 'axes.json';

const COMPLEX_DESCR: Readonly<Record<string, string>> = { complex64: '<c8', complex128: '<c16' };

export function registerConvert(program: Command): void {
  const command = program
    .command('convert')
    .description('write any file trustscope reads as .npy in its own dtype, with its calibrated axes and metadata as JSON')
    .requiredOption('--input <file>', 'a file of any supported format');
  addDatasetOption(command);
  addRunOptions(command, { out: 'trustscope-convert', what: `${CONVERTED} in the file's own dtype and ${AXES}`, seed: false });
  command.action(async (opts: { input: string; dataset?: string; out: string; force?: boolean }) => {
    await runInFolder('convert', { ...opts, seed: 0 }, async (folder) => {
      folder.input(opts.input);
      const a = await readArray(opts.input, imageReadOptions({ dataset: opts.dataset }));
      const shape = [...a.values.shape];
      const native = a.native;
      let bytes: Uint8Array;
      if (!native) bytes = encodeNpy(a.values);
      else if (COMPLEX_DESCR[a.dtype]) bytes = encodeNpyArray(native, shape, COMPLEX_DESCR[a.dtype]);
      else if (a.dtype === 'rgb8' || a.dtype === 'rgba8') {
        // values are [.., C, H, W]; the native bytes keep the file's interleaved [.., H, W, C] layout.
        const c = a.dtype === 'rgb8' ? 3 : 4;
        const spatial = shape.slice(-2);
        bytes = encodeNpyArray(native, [...shape.slice(0, -3), ...spatial, c]);
      } else if (a.dtype === 'bool') bytes = encodeNpyArray(native, shape, '|b1');
      else if (a.dtype === 'float16') bytes = encodeNpyArray(native, shape, '<f2'); // native holds the half-float bits
      else bytes = encodeNpyArray(native, shape);
      await folder.write(CONVERTED, bytes);
      await folder.write(AXES, JSON.stringify({ file: opts.input, format: a.format, dtype: a.dtype, shape, axes: a.axes, metadata: a.metadata }, null, 2) + '\n');
      console.log(`${opts.input}: ${a.format} ${a.dtype} [${shape.join(', ')}] → ${folder.path}/${CONVERTED}`);
    });
  });
}
