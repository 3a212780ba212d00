/** `trustscope demo`: the lecture's clean-vs-shortcut experiment, end to end. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { demoSummary, runDemo, type DemoModelResult, type DemoResult } from '../audit/demo.js';
import { renderDemoPage, type ModelExamples } from '../report/demo-page.js';
import { saveOnnxGraph } from '../models/import/onnx-file.js';
import { addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';

function examples(r: DemoModelResult, label: string, regionNote: string, showCorner: boolean): ModelExamples {
  return {
    label,
    images: r.examples.images,
    saliency: r.examples.saliency,
    occlusion: r.examples.occlusion,
    regionNote,
    regions: r.examples.defect.map((d, i) => (showCorner ? { defect: d, corner: r.examples.corner[i] } : { defect: d })),
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatDemoTable(r: DemoResult): string {
  const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
  const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}×` : String(v));
  const rows: [string, string, string][] = [
    ['', 'clean model', 'shortcut model'],
    ['test accuracy', f(r.clean.testAccuracy), f(r.shortcut.testAccuracy)],
    ['saliency: region of interest', `${f(r.clean.saliency.inside)} (defect)`, `${f(r.shortcut.saliency.inside)} (corner)`],
    ['saliency: comparison region', `${f(r.clean.saliency.outside)} (outside)`, `${f(r.shortcut.saliency.outside)} (defect)`],
    ['saliency ratio', ratio(r.clean.saliency.ratio), ratio(r.shortcut.saliency.ratio)],
    ['occlusion ratio (patch 4)', ratio(r.clean.occlusion.ratio), ratio(r.shortcut.occlusion.ratio)],
    ['"defect" after injecting artifact', f(r.clean.intervention.injectedDefectRate), f(r.shortcut.intervention.injectedDefectRate)],
    ['accuracy with artifact removed', f(r.clean.intervention.removedArtifactAccuracy), f(r.shortcut.intervention.removedArtifactAccuracy)],
  ];
  return rows.map(([a, b, c]) => `${pad(a, 36)}${pad(b, 22)}${c}`).join('\n');
}

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .description('train a clean and a shortcut tiny CNN on synthetic EM images and show that explanations (not accuracy) tell them apart')
;
  addRunOptions(command, { out: 'trustscope-report', what: 'demo.json, index.html and the two models (.onnx)' });
  addProgressOptions(command);
  command
    .addHelpText('after', "\n--out is always a folder; a folder holding another command's results (an audit's, say) is refused unless --force.")
    .action(async (opts: { out: string; force?: boolean; seed: number; progress: boolean }) => {
      // The folder is checked (writable, not another command's) before minutes of training.
      await runInFolder('demo', opts, async (folder) => {
        const bar = progressFor(opts);
        const started = performance.now();
        let result: DemoResult;
        try {
          result = await runDemo({ seed: opts.seed, onProgress: (p) => bar.update(p.stage, p.fraction) });
        } finally {
          bar.stop();
        }
        const summary = demoSummary(result);
        const html = renderDemoPage({
          summary,
          clean: examples(result.clean, 'clean model', 'lime outline = defect region', false),
          shortcut: examples(result.shortcut, 'shortcut model', 'lime outline = defect region; red box = corner artifact', true),
          timings: result.timings,
        });
        await folder.write('demo.json', JSON.stringify(summary, null, 2) + '\n');
        await folder.write('index.html', html);
        await saveOnnxGraph(folder.record('clean-model.onnx'), result.clean.graph);
        await saveOnnxGraph(folder.record('shortcut-model.onnx'), result.shortcut.graph);
        console.log(formatDemoTable(result));
        console.log(`\nwrote ${join(opts.out, 'demo.json')}, ${join(opts.out, 'index.html')} and the two models (.onnx) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      });
    });
}
