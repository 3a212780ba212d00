/** The instance-flow Sankey: d3-sankey's node values are the flow counts, link values the moves; the SVG is deterministic. */
import { describe, expect, it } from 'vitest';
import { flowOfSet } from '../../src/training/flow-table.js';
import type { PredictionsPerEpoch } from '../../src/training/instance-flow.js';
import { sankeyLayout, sankeySvg } from '../../src/report/sankey.js';
import { flowSection } from '../../src/report/flow-section.js';
import { Random } from '../../src/tensor/random.js';

const names = ['equiaxed', 'elongated', 'voids', 'precipitates'];

function randomRecord(seed: number, epochs = 5): PredictionsPerEpoch {
  const rng = new Random(seed);
  // Predictions drift: each epoch an instance keeps its previous class with probability 0.7.
  const instances = Array.from({ length: 120 }, (_, i) => {
    const label = i % 4;
    const predicted: number[] = [];
    for (let e = 0; e < epochs; e++) predicted.push(e > 0 && rng.next() < 0.7 ? predicted[e - 1] : rng.int(0, 4));
    return { id: String(i), set: 'train', label, predicted };
  });
  return { classNames: names, epochs: Array.from({ length: epochs }, (_, e) => e + 1), instances };
}

describe('sankeyLayout', () => {
  it('gives every (epoch, predicted class) node the flow count as its value, and every link its move count', () => {
    const flow = flowOfSet(randomRecord(1), 'train');
    for (const c of flow.classes) {
      const layout = sankeyLayout(c);
      const nonZero = c.counts.flatMap((row, e) => row.flatMap((n, k) => (n > 0 ? [[e, k, n]] : [])));
      expect(layout.nodes.map((n) => [n.epochIndex, n.predicted, n.value]).sort()).toEqual(nonZero.sort());
      for (const link of layout.links) expect(link.value).toBe(c.moves[link.epochIndex][link.from][link.to]);
      expect(layout.links.reduce((s, l) => s + l.value, 0)).toBe(c.size * (c.counts.length - 1));
      // Columns of equal totals: node heights per column add up to the same height (within padding).
      const heights = c.counts.map((_, e) => layout.nodes.filter((n) => n.epochIndex === e).reduce((s, n) => s + (n.y1 - n.y0), 0));
      for (const h of heights) expect(h).toBeCloseTo(heights[0], 6);
      // Class order is kept top to bottom in every column.
      for (let e = 0; e < c.counts.length; e++) {
        const column = layout.nodes.filter((n) => n.epochIndex === e).sort((a, b) => a.y0 - b.y0);
        expect(column.map((n) => n.predicted)).toEqual([...column.map((n) => n.predicted)].sort((a, b) => a - b));
      }
    }
  });

  it('refuses a single epoch (no links to size the nodes)', () => {
    const flow = flowOfSet(randomRecord(2, 1), 'train');
    expect(() => sankeyLayout(flow.classes[0])).toThrow(/at least two recorded epochs/);
  });
});

describe('sankeySvg and the flow section', () => {
  it('draws one rect per node and one path per link, the same bytes every time', async () => {
    const flow = flowOfSet(randomRecord(3), 'train');
    const c = flow.classes[1];
    const svg = sankeySvg(c, names, flow.epochs);
    const layout = sankeyLayout(c);
    expect(svg.match(/<rect /g)).toHaveLength(layout.nodes.length);
    expect(svg.match(/<path /g)).toHaveLength(layout.links.length);
    expect(svg).toContain('Instance flow of elongated (30 instances)');
    expect(sankeySvg(c, names, flow.epochs)).toBe(svg);
    const html = await flowSection([flow], 'a test record');
    expect(html).toContain('id="flow"');
    expect(html.match(/<svg/g)!.length).toBe(1 + flow.classes.length);
    expect(await flowSection([flow], 'a test record')).toBe(html);
  });
});
