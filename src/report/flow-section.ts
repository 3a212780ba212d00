/**
 * The explore page's instance-flow section (issue 14): how each class's predictions moved between
 * epochs. Per recorded set (training, test…): the automatic summary of the largest flows away from
 * the true class, the per-epoch prediction distribution (stacked bars, Vega-Lite rendered to inline
 * SVG), and one Sankey per class (sankey.ts). Rendering charts is asynchronous, so the section is
 * built here and handed to the page as finished HTML.
 */
import type { TopLevelSpec } from 'vega-lite';
import { describeFlow, flowTotalsByPair, largestFlows, predictionDistribution, type SetFlow } from '../training/flow-table.js';
import { renderVegaLite } from './charts.js';
import { escapeHtml, paragraph, section, table } from './html.js';
import { classColour, sankeySvg } from './sankey.js';

/** Flow sentences shown per set. */
export const SUMMARY_FLOWS = 5;

const SET_TITLES: Record<string, string> = { train: 'training set', test: 'test set', input: 'the explored images' };

function setTitle(set: string): string {
  return SET_TITLES[set] ?? `set '${set}'`;
}

/** Stacked bars: per epoch, the share of the set's instances predicted as each class. */
export async function predictionDistributionChart(flow: SetFlow): Promise<string> {
  const totals = predictionDistribution(flow);
  const values = totals.flatMap((row, e) => row.map((count, k) => ({ epoch: flow.epochs[e], predicted: flow.classNames[k], order: k, count })));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: Math.max(240, 36 * flow.epochs.length),
    height: 200,
    background: 'white',
    config: { font: 'system-ui, sans-serif', view: { stroke: null }, legend: { labelLimit: 0, labelFontSize: 11 }, axis: { labelFontSize: 11, titleFontSize: 11 } },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'epoch', type: 'ordinal', title: 'after epoch', axis: { labelAngle: 0 } },
      y: { field: 'count', type: 'quantitative', stack: 'normalize', title: 'share of predictions', axis: { format: '%' } },
      color: { field: 'predicted', type: 'nominal', title: 'predicted class', sort: [...flow.classNames], scale: { domain: [...flow.classNames], range: flow.classNames.map((_, k) => classColour(k)) } },
      order: { field: 'order', type: 'quantitative' },
      tooltip: [{ field: 'epoch' }, { field: 'predicted' }, { field: 'count' }],
    },
  };
  return renderVegaLite(spec as unknown as TopLevelSpec);
}

/** The summary as plain sentences (also printed by explore --demo). */
export function flowSentences(flow: SetFlow, n = SUMMARY_FLOWS): string[] {
  const size = new Map(flow.classes.map((c) => [c.classIndex, c.size]));
  return largestFlows(flow, n).map((f) => describeFlow(f, size.get(f.classIndex)!));
}

async function setPart(flow: SetFlow): Promise<string> {
  const parts: string[] = [`<h3>${escapeHtml(setTitle(flow.set))} (${flow.classes.reduce((s, c) => s + c.size, 0)} instances, epochs ${flow.epochs[0]}–${flow.epochs.at(-1)})</h3>`];
  const sentences = flowSentences(flow);
  parts.push(sentences.length > 0 ? `<ul class="flows">${sentences.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` : paragraph('No instance left its true class between two epochs.'));
  const pairs = flowTotalsByPair(flow).slice(0, 6);
  if (pairs.length > 0) {
    parts.push(table(['class', 'moved to', 'instance moves over all epochs'], pairs.map(([a, b, n]) => [flow.classNames[a], flow.classNames[b], n]), { caption: 'Moves away from the true class, summed over epochs: the pairs the model keeps trading instances between.' }));
  }
  parts.push(`<div class="chart">${await predictionDistributionChart(flow)}</div>`);
  if (flow.epochs.length < 2) {
    parts.push(paragraph('One epoch recorded: a Sankey needs two or more.'));
  } else {
    for (const c of flow.classes) parts.push(`<h4>${escapeHtml(c.className)}</h4><div class="sankey">${sankeySvg(c, flow.classNames, flow.epochs)}</div>`);
  }
  return parts.join('\n');
}

/** The whole section; `source` says where the record came from (training, a file, a checkpoint folder). */
export async function flowSection(flows: readonly SetFlow[], source: string): Promise<string> {
  const intro = paragraph(
    `Each instance's predicted class after every epoch (${source}). Per class, a Sankey: one column per epoch, one box per predicted class (height = instances), bands for instances that changed prediction, coloured by the class they went to; bands leaving the true class are drawn darker. Summary: the largest shares of a class that were predicted correctly after one epoch and as another class after the next.`,
  );
  const parts: string[] = [];
  for (const flow of flows) parts.push(await setPart(flow));
  return section('How did its predictions move during training? (instance flow)', intro + parts.join('\n'), { id: 'flow' });
}

export const FLOW_CSS = `
.sankey svg { max-width: 100%; height: auto; }
ul.flows li { margin: 0.2rem 0; }
h4 { margin: 1rem 0 0.2rem; font-size: 0.95rem; }
`;
