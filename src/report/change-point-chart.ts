/**
 * The drift check's chart: a series over acquisition time (a rolling mean), the segment means
 * between its change points as flat steps, and each change point as a dashed vertical rule — so a
 * reader sees at a glance where the level moved and by how much.
 */
import type { ChangePointFigure } from '../audit/figure-data.js';
import { asSpec, checkFinite, frame, renderVegaLite, type ChartOptions } from './charts.js';

const SERIES_COLOUR = '#0072B2';
const SEGMENT_COLOUR = '#D55E00';

export async function changePointChart(fig: Omit<ChangePointFigure, 'kind' | 'caption'>, options: ChartOptions = {}): Promise<string> {
  if (fig.x.length !== fig.y.length) throw new Error(`chart: ${fig.x.length} x values but ${fig.y.length} y values`);
  checkFinite(fig.x, 'x');
  checkFinite(fig.y, 'y');
  checkFinite(fig.changes, 'change point');
  const y = { type: 'quantitative', title: fig.axes.y, ...(fig.valueDomain ? { scale: { domain: [...fig.valueDomain], nice: false } } : { scale: { zero: false } }) };
  const x = { type: 'quantitative', title: fig.axes.x, scale: { nice: false } };
  const layers: Record<string, unknown>[] = [
    {
      data: { values: fig.x.map((v, i) => ({ x: v, y: fig.y[i], order: i })) },
      mark: { type: 'line', color: SERIES_COLOUR, strokeWidth: 1.5, opacity: 0.8 },
      encoding: { x: { field: 'x', ...x }, y: { field: 'y', ...y }, order: { field: 'order', type: 'quantitative' } },
    },
    {
      data: { values: fig.segments.map((s) => ({ from: s.from, to: s.to, mean: s.mean })) },
      mark: { type: 'rule', color: SEGMENT_COLOUR, strokeWidth: 3 },
      encoding: { x: { field: 'from', ...x }, x2: { field: 'to' }, y: { field: 'mean', ...y } },
    },
  ];
  if (fig.changes.length) {
    layers.push({
      data: { values: fig.changes.map((c) => ({ at: c })) },
      mark: { type: 'rule', color: '#1d2330', strokeDash: [4, 3] },
      encoding: { x: { field: 'at', ...x } },
    });
  }
  return renderVegaLite(asSpec({ ...frame(options), layer: layers }));
}
