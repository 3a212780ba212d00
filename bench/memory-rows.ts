/**
 * The benchmark's memory rows (issue 21: "IG (50 steps) on one 1024×1024 image with a fully
 * convolutional model in ≤ 2 GB peak RSS"): the zoo's small conv net (conv · ReLU · max-pool 4 ·
 * conv · ReLU · global average pool · linear, so its activations grow with the image) on one
 * 1×1024×1024 image, Integrated Gradients with 50 steps, the model's default 512 MB activation
 * budget deciding the rows per ORT call. The PyTorch side runs the same IG (torch_reference.py)
 * with the same rows per chunk. Timed like any other row, in its own process (peak RSS = VmHWM).
 */
import { integratedGradients } from '../src/attribution/integrated-gradients.js';
import { OnnxModel } from '../src/models/model.js';
import { smallConvNet } from '../src/models/zoo/small-conv-net.js';
import type { Workload } from './workloads.js';

/** What the row worker and run.ts need of a row: a Workload, or a row of its own like the memory rows. */
export type BenchRow = Pick<Workload, 'method' | 'label' | 'graph' | 'batch' | 'channels' | 'size' | 'classes' | 'chunk' | 'seed' | 'comparable' | 'torch' | 'ours'>;

/** The peak-RSS target of the memory rows. */
export const MEMORY_BUDGET_MB = 2048;

export function memoryRows(size = 1024, steps = 50): BenchRow[] {
  const graph = smallConvNet(size);
  // The rows per backward call the model's default budget allows: the PyTorch side gets the same chunks.
  const chunk = new OnnxModel(graph).rowsPerCall('backward');
  return [
    {
      method: 'integrated-gradients',
      label: `memory: small conv net IG ${steps} steps, 1 img ${size}²`,
      graph,
      batch: 1,
      channels: 1,
      size,
      classes: 2,
      chunk,
      seed: 41,
      comparable: true,
      torch: { steps },
      ours: (m, x, t) => integratedGradients.attribute(m, x, { target: t, steps }),
    },
  ];
}
