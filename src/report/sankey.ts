/**
 * The instance-flow Sankey of one class: a column per recorded epoch, a node per predicted class
 * (height = how many of the class's instances were predicted so), and links for the instances that
 * went from one predicted class to another between consecutive epochs. Layout by d3-sankey (Bostock's
 * maintained implementation), drawn here as inline SVG: no script, and the same flow gives the same
 * bytes (coordinates are rounded to 0.1 px; d3-sankey's relaxation is deterministic).
 *
 * Nodes keep class order top to bottom in every column (nodeSort), so a class sits at the same
 * height across epochs and a drift reads as a band leaving its row. Links take the colour of the
 * class they flow into; flows away from the true class are drawn stronger than the rest, and the
 * true class's own boxes are outlined.
 */
import { sankey, sankeyLeft } from 'd3-sankey';
import { schemeTableau10 } from 'd3-scale-chromatic';
import type { ClassFlow } from '../training/flow-table.js';
import { escapeHtml } from './html.js';

/** One colour per class, shared by the Sankeys and the prediction-distribution chart (Tableau 10, repeating past ten classes). */
export function classColour(k: number): string {
  return schemeTableau10[k % schemeTableau10.length];
}

export interface SankeyNodeBox {
  /** Index into the recorded epochs. */
  readonly epochIndex: number;
  /** Predicted class. */
  readonly predicted: number;
  /** Instances in the node, as d3-sankey computed it from the links. */
  readonly value: number;
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

export interface SankeyLinkBand {
  readonly epochIndex: number;
  readonly from: number;
  readonly to: number;
  readonly value: number;
  /** Vertical centre of the band at its source and target node, and its thickness. */
  readonly y0: number;
  readonly y1: number;
  readonly width: number;
  readonly sourceX: number;
  readonly targetX: number;
}

export interface SankeyLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly SankeyNodeBox[];
  readonly links: readonly SankeyLinkBand[];
}

interface NodeDatum {
  id: string;
  epochIndex: number;
  predicted: number;
}

/** Space above the columns for the epoch labels, and beside them for class names. */
const TOP = 18;
const LEFT = 8;
const RIGHT = 130;

/** d3-sankey's layout of one class's flow (needs ≥ 2 epochs: a single column has no links to size its nodes). */
export function sankeyLayout(flow: ClassFlow, size: { width: number; height: number } = { width: 860, height: 240 }): SankeyLayout {
  const epochs = flow.counts.length;
  if (epochs < 2) throw new Error('sankey: instance flow needs at least two recorded epochs');
  const nodes: NodeDatum[] = [];
  flow.counts.forEach((row, e) => row.forEach((count, k) => count > 0 && nodes.push({ id: `${e}:${k}`, epochIndex: e, predicted: k })));
  const links: { source: string; target: string; value: number }[] = [];
  flow.moves.forEach((m, e) => m.forEach((row, a) => row.forEach((count, b) => count > 0 && links.push({ source: `${e}:${a}`, target: `${e + 1}:${b}`, value: count }))));
  const generator = sankey<NodeDatum, object>()
    .nodeId((d) => d.id)
    .nodeAlign(sankeyLeft)
    .nodeSort((a, b) => a.predicted - b.predicted)
    .nodeWidth(10)
    .nodePadding(4)
    .extent([
      [LEFT, TOP],
      [size.width - RIGHT, size.height - 2],
    ]);
  const graph = generator({ nodes: nodes.map((d) => ({ ...d })), links: links.map((l) => ({ ...l })) });
  const boxes: SankeyNodeBox[] = graph.nodes.map((n) => ({ epochIndex: n.epochIndex, predicted: n.predicted, value: n.value ?? 0, x0: n.x0!, x1: n.x1!, y0: n.y0!, y1: n.y1! }));
  const bands: SankeyLinkBand[] = graph.links.map((l) => {
    const s = l.source as NodeDatum & { x1: number };
    const t = l.target as NodeDatum & { x0: number };
    return { epochIndex: s.epochIndex, from: s.predicted, to: t.predicted, value: l.value, y0: l.y0!, y1: l.y1!, width: l.width!, sourceX: s.x1, targetX: t.x0 };
  });
  return { width: size.width, height: size.height, nodes: boxes, links: bands };
}

const r = (v: number) => (Math.round(v * 10) / 10).toString();

/** A horizontal band between two columns as a cubic curve (d3's sankeyLinkHorizontal, stroked by the band's width). */
function bandPath(l: SankeyLinkBand): string {
  const mid = (l.sourceX + l.targetX) / 2;
  return `M${r(l.sourceX)},${r(l.y0)}C${r(mid)},${r(l.y0)} ${r(mid)},${r(l.y1)} ${r(l.targetX)},${r(l.y1)}`;
}

/** The class's Sankey as an <svg> element; `epochs` are the recorded epoch numbers, for the column labels. */
export function sankeySvg(flow: ClassFlow, classNames: readonly string[], epochs: readonly number[], size?: { width: number; height: number }): string {
  const layout = sankeyLayout(flow, size);
  const own = flow.classIndex;
  const parts: string[] = [];
  for (const l of layout.links) {
    const away = l.from === own && l.to !== own;
    const title = `epoch ${epochs[l.epochIndex]} → ${epochs[l.epochIndex + 1]}: ${l.value} predicted ${classNames[l.from]} → ${classNames[l.to]}`;
    parts.push(`<path d="${bandPath(l)}" fill="none" stroke="${classColour(l.to)}" stroke-opacity="${away ? 0.75 : 0.35}" stroke-width="${r(Math.max(0.5, l.width))}"><title>${escapeHtml(title)}</title></path>`);
  }
  for (const n of layout.nodes) {
    const title = `after epoch ${epochs[n.epochIndex]}: ${n.value} of ${flow.size} predicted ${classNames[n.predicted]}`;
    parts.push(`<rect x="${r(n.x0)}" y="${r(n.y0)}" width="${r(n.x1 - n.x0)}" height="${r(Math.max(0.5, n.y1 - n.y0))}" fill="${classColour(n.predicted)}" stroke="#222" stroke-width="${n.predicted === own ? 1.5 : 0.3}"><title>${escapeHtml(title)}</title></rect>`);
  }
  // Class names beside the last column, where the band is tall enough to hold one.
  const last = epochs.length - 1;
  for (const n of layout.nodes.filter((b) => b.epochIndex === last && b.y1 - b.y0 >= 9)) {
    parts.push(`<text x="${r(n.x1 + 4)}" y="${r((n.y0 + n.y1) / 2 + 4)}" font-size="11">${escapeHtml(classNames[n.predicted])} (${n.value})</text>`);
  }
  const columns = new Map<number, number>();
  for (const n of layout.nodes) columns.set(n.epochIndex, n.x0);
  // Column labels: the epoch number over its column (the first one left-aligned so that it is not
  // clipped), and what the numbers are in the margin after the last one.
  const sortedColumns = [...columns].sort((a, b) => a[0] - b[0]);
  for (const [e, x] of sortedColumns) {
    parts.push(e === 0 ? `<text x="${r(x)}" y="12" font-size="10">${epochs[e]}</text>` : `<text x="${r(x + 5)}" y="12" font-size="10" text-anchor="middle">${epochs[e]}</text>`);
  }
  const lastX = sortedColumns.at(-1)![1];
  parts.push(`<text x="${r(lastX + 18)}" y="12" font-size="10" fill="#5b6475">← after epoch</text>`);
  const label = `Instance flow of ${flow.className} (${flow.size} instances) over epochs ${epochs[0]}–${epochs[last]}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="${escapeHtml(label)}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}
