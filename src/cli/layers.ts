/** `trustscope layers`: the values of a model that methods can address by name. */
import type { Command } from 'commander';
import { loadModel } from '../models/import/load-model.js';

export function registerLayers(program: Command): void {
  program
    .command('layers')
    .description('list a model\'s inner values (names usable as layers) with their op and shape')
    .requiredOption('--model <file.onnx>', 'ONNX model or TF.js model.json')
    .action(async (opts: { model: string }) => {
      const model = await loadModel(opts.model);
      console.log(`input [N, ${model.inputShape.join(', ')}] → output [N, ${model.outputSize}]`);
      for (const l of model.layerInfo) {
        const shape = l.shape ? `[${l.shape.map((d) => (d < 0 ? 'N' : d)).join(', ')}]` : '(shape unknown)';
        console.log(`${l.name.padEnd(40)} ${l.opType.padEnd(20)} ${shape}   node '${l.node}'`);
      }
    });
}
