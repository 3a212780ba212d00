/**
 * The knobs report: a property regressor explained through material attributes (the LLNL paper's
 * Figure 1 contrast — Grad-CAM's pixels beside the knobs' words). Self-contained: tiles as inline
 * PNGs, charts as inline SVG; no timings (the same seed gives the same bytes; time per stage is in
 * knobs.json and run.json).
 */
import type { Tensor } from '../tensor/tensor.js';
import { escapeHtml, formatNumber, htmlPage, paragraph, raw, section, table, type Cell } from './html.js';

/** A share as a percentage with a fixed number of decimals (significant digits would print 97.5% as "1e+2"). */
export function percent(share: number, decimals: number): string {
  return (100 * share).toFixed(decimals);
}
import { encodePng, greyscaleRgba, overlayRgba, pngDataUri, upscaleNearest, type RgbaImage } from './png.js';
import { barChart, CATEGORY_COLOURS, lineChart, renderVegaLite } from './charts.js';
import type { KnobsResult } from '../generative/knobs/explain-knobs.js';
import type { EditMatrix } from '../generative/knobs/entanglement.js';

export interface KnobsPageInput {
  result: KnobsResult;
  /** Regressor scores per split (the demo trains R; a user's R comes without them). */
  regressor?: Record<string, { r2: number; mae: number; n: number; lots?: number }>;
  /** Per example tile, R's Grad-CAM map [1, H, W] (signed). */
  gradCam?: Tensor[];
  /** Name of the property and its unit, e.g. 'peak stress', 'MPa'. */
  property?: { name: string; unit: string };
  /** The demo's note on what is known (hidden function), shown first. */
  scenario?: string;
}

const SCALE = 2;

function tileUri(image: RgbaImage): string {
  const up = upscaleNearest(image, SCALE);
  return pngDataUri(encodePng(up.data, up.width, up.height));
}

function tileImg(t: Tensor, alt: string): string {
  return `<img src="${tileUri(greyscaleRgba(t, [0, 1]))}" alt="${escapeHtml(alt)}" width="${t.shape[t.shape.length - 1] * SCALE}">`;
}

function camImg(t: Tensor, cam: Tensor, alt: string): string {
  let m = 0;
  for (const v of cam.data) m = Math.max(m, Math.abs(v));
  const image = overlayRgba(t, cam, { signed: true, colormap: 'blue-red', range: [-m || -1, m || 1], alpha: 0.6, imageRange: [0, 1] });
  return `<img src="${tileUri(image)}" alt="${escapeHtml(alt)}" width="${t.shape[t.shape.length - 1] * SCALE}">`;
}

function tileOf(batch: Tensor, r: number): Tensor {
  const [, c, h, w] = batch.shape;
  return { shape: [c, h, w], data: batch.data.subarray(r * c * h * w, (r + 1) * c * h * w) };
}

function signed(v: number, digits = 2): string {
  return `${v >= 0 ? '+' : '−'}${formatNumber(Math.abs(v), digits)}`;
}

/** Grouped horizontal bars: per attribute, one bar per series (estimated vs truth, up vs down). */
async function groupedBars(names: readonly string[], series: readonly { name: string; values: readonly number[] }[], x: string): Promise<string> {
  const values = series.flatMap((s) => names.map((n, j) => ({ attribute: n, series: s.name, value: s.values[j] })));
  return renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 420,
    background: 'white',
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'attribute', type: 'nominal', sort: [...names], title: null },
      yOffset: { field: 'series', sort: series.map((s) => s.name) },
      x: { field: 'value', type: 'quantitative', title: x },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name), scale: { range: CATEGORY_COLOURS.slice(0, series.length) }, legend: { labelLimit: 280 } },
    },
    config: { font: 'system-ui, sans-serif' },
  } as Parameters<typeof renderVegaLite>[0]);
}

function matrixTable(m: EditMatrix, names: readonly string[], instrument: string): string {
  const rows: Cell[][] = m.matrix.map((row, j) => [
    names[j],
    ...row.map((v, i) => raw(`<span style="${i === j ? 'font-weight:600' : Math.abs(v) > 0.5 * Math.abs(row[j]) ? 'color:#b00020;font-weight:600' : ''}">${escapeHtml(formatNumber(v, 2))}</span>`)),
    formatNumber(m.signAgreement[j], 2),
    m.ineffective[j] ? 'INEFFECTIVE' : m.entangled[j] ? 'ENTANGLED' : 'ok',
  ]);
  return table(['edited ↓ / measured →', ...names, 'sign agreement', 'knob'], rows, {
    caption: `Measured by ${instrument}: mean change of each attribute per unit of requested change (rows: the knob turned from 0.15 to 0.85). The identity is a perfect, disentangled generator; red: an off-diagonal entry above half the diagonal.`,
  });
}

export async function knobsPage(input: KnobsPageInput): Promise<string> {
  const { result: r, property = { name: 'prediction', unit: '' } } = input;
  const names = r.attributes;
  const unit = property.unit ? ` ${property.unit}` : '';
  const parts: string[] = [];
  parts.push(`<h1>Knobs: ${escapeHtml(property.name)} explained through ${escapeHtml(names.join(', '))}</h1>`);
  const effects = names.map((n) => `${n} ${signed(r.sensitivity[n].estimated)}${unit}`).join('; ');
  parts.push(paragraph(`Turning each knob from 0 to 1 (the others held at the tile's values) moves the predicted ${property.name} by: ${effects}. The counterfactual search reached its target (±${percent(r.counterfactual.tolerance, 0)}%) on ${percent(r.counterfactual.successRate, 0)}% of ${r.counterfactual.tiles * 2} searches.`, 'lead'));
  const flagged = Object.entries(r.entanglement).flatMap(([by, m]) => (m ? names.filter((_, j) => m.entangled[j] || m.ineffective[j]).map((n) => `${n} (${by === 'byCritic' ? 'critic' : 'physical measurement'})`) : []));
  parts.push(paragraph(flagged.length ? `Knobs to read with care — entangled or ineffective edits: ${[...new Set(flagged)].join(', ')}.` : 'Every knob moved its own attribute without moving the others by more than half as much.'));
  if (input.scenario) parts.push(`<p class="note">${escapeHtml(input.scenario)}</p>`);

  if (input.regressor) {
    const rows = Object.entries(input.regressor).map(([split, s]) => [split, s.lots ?? '', s.n, formatNumber(s.r2, 3), `${formatNumber(s.mae, 2)}${unit}`]);
    parts.push(section('The regressor R', table(['split (whole lots)', 'lots', 'tiles', 'R²', 'MAE'], rows, { caption: 'Lots never straddle splits: the test lots are unseen materials.' })));
  }

  const ea = r.generator.editingAccuracy;
  const accRows = names.map((n) => [n, ...(ea.byCritic ? [formatNumber(ea.byCritic.gain[n], 2), formatNumber(ea.byCritic.signAgreement[n], 2)] : []), ...(ea.byMeasurement ? [formatNumber(ea.byMeasurement.gain[n], 2), formatNumber(ea.byMeasurement.signAgreement[n], 2)] : [])]);
  const accHead = ['attribute', ...(ea.byCritic ? ['gain (critic C)', 'right sign (C)'] : []), ...(ea.byMeasurement ? ['gain (physical)', 'right sign (physical)'] : [])];
  parts.push(
    section(
      'The generator G',
      paragraph(`Reconstruction G(E(I), A): mean squared error ${formatNumber(r.generator.reconstructionError, 4)} per pixel; it moves R's prediction by ${formatNumber(r.generator.predictionShift, 2)}${unit} on average (the paper's caveat: explanations start from the reconstruction).`) +
        (accHead.length > 1 ? table(accHead, accRows, { caption: 'Editing accuracy: the measured change per unit of requested change (1 = the edit shows in full) and the fraction of tiles where it has the requested sign, read by the critic C and by physical measurement of the synthesised tiles (segmentation, holes, size spread, outline corners, brightness).' }) : ''),
    ),
  );

  const hasTruth = names.every((n) => r.sensitivity[n].truth !== undefined);
  const hasRendered = names.every((n) => r.sensitivity[n].rendered !== undefined);
  const sensRows = names.map((n) => {
    const s = r.sensitivity[n];
    const agree = s.truth === undefined ? '' : Math.abs(s.truth) < 1e-9 ? (Math.abs(s.estimated) < 0.2 * Math.max(...names.map((m) => Math.abs(r.sensitivity[m].estimated))) ? 'near zero, as it should be' : 'NOT near zero') : Math.sign(s.truth) === Math.sign(s.estimated) ? 'same sign' : 'OPPOSITE sign';
    return [n, signed(s.estimated), ...(hasRendered ? [signed(s.rendered!)] : []), ...(hasTruth ? [signed(s.truth!), agree] : []), formatNumber(s.consistency, 2)];
  });
  const sensChart = await groupedBars(names, [{ name: 'R∘G (estimated)', values: names.map((n) => r.sensitivity[n].estimated) }, ...(hasRendered ? [{ name: 'R on re-rendered tiles', values: names.map((n) => r.sensitivity[n].rendered!) }] : []), ...(hasTruth ? [{ name: 'true function', values: names.map((n) => r.sensitivity[n].truth!) }] : [])], `slope of ${property.name} per unit attribute${unit ? ` (${property.unit})` : ''}`);
  const curves = await lineChart(names.map((n) => ({ name: n, x: r.grid, y: r.sensitivity[n].curve })), { x: 'attribute value (others held)', y: `mean predicted ${property.name}` }, { width: 420, height: 240 });
  parts.push(
    section(
      'Forward sensitivity: one knob at a time',
      table(['attribute', 'knob slope R(G(E(I), A))', ...(hasRendered ? ['R on re-rendered tiles'] : []), ...(hasTruth ? ['true slope', 'knob vs truth'] : []), 'tiles agreeing in sign'], sensRows, {
        caption: `Mean over ${r.tiles} tiles of the least-squares slope as one attribute sweeps ${r.grid.join(', ')}.${hasRendered ? " 'R on re-rendered tiles' sweeps the attribute in the renderer itself (the true edit, no generator): where it and the knob slope disagree the generator's edit is at fault; where it disagrees with the truth, R is." : ''}`,
      }) +
        `<div class="chart">${sensChart}</div><div class="chart">${curves}</div>`,
    ),
  );

  const ex = r.examples;
  if (ex.length) {
    const blocks = await Promise.all(
      ex.map(async (e, i) => {
        const cams = input.gradCam?.[i];
        const cells = [
          `<figure>${tileImg(e.original, 'original tile')}<figcaption>tile ${e.index}${e.lot !== undefined ? `, lot ${e.lot}` : ''}: R = ${e.prediction.original.toFixed(1)}${unit}</figcaption></figure>`,
          ...(cams ? [`<figure>${camImg(e.original, cams, 'Grad-CAM of R')}<figcaption>Grad-CAM of R (red raises, blue lowers): pixels, not reasons</figcaption></figure>`] : []),
          `<figure>${tileImg(e.reconstruction, 'reconstruction')}<figcaption>G(E(I), A): R = ${e.prediction.reconstruction.toFixed(1)}${unit}</figcaption></figure>`,
        ];
        if (e.counterfactual) {
          for (const [dir, cf] of [['higher', e.counterfactual.up], ['lower', e.counterfactual.down]] as const) {
            cells.push(`<figure>${tileImg(cf.image, `counterfactual ${dir}`)}<figcaption>${dir}: target ${cf.target.toFixed(1)}, reached ${cf.prediction.toFixed(1)}${unit}<br>${names.map((n, j) => `${n} ${signed(cf.deltas[j])}`).join(', ')}</figcaption></figure>`);
          }
        }
        const deltas = e.counterfactual ? await groupedBars(names, [{ name: `raise ${property.name}`, values: e.counterfactual.up.deltas }, { name: `lower ${property.name}`, values: e.counterfactual.down.deltas }], "attribute change A' − A") : '';
        const sweeps = names.map((n, j) => `<div><div class="muted">${escapeHtml(n)}: ${r.grid.join(' → ')}</div><div class="strip">${r.grid.map((_, g) => tileImg(tileOf(e.sweep[j], g), `${n} = ${r.grid[g]}`)).join('')}</div></div>`).join('');
        return `<h3>Example ${i + 1}</h3><div class="grid" style="--columns:${cells.length}">${cells.join('')}</div><div class="chart">${deltas}</div><details><summary>Each knob swept on this tile</summary>${sweeps}</details>`;
      }),
    );
    parts.push(section('Pixels versus knobs, per tile', paragraph(`Grad-CAM says where R looks; the knobs say what would have to change in the material. The counterfactual tiles are G's answer to "what should this material look like to be ${percent(r.counterfactual.targetChange, 0)}% stronger / weaker?" (Eq. 2, λ = ${r.counterfactual.lambda}).`) + blocks.join('')));
  }

  const cf = r.counterfactual;
  const path = await lineChart(
    [
      { name: 'tiles pushed up', x: cf.path.up.map((_, t) => t), y: cf.path.up },
      { name: 'tiles pushed down', x: cf.path.down.map((_, t) => t), y: cf.path.down },
    ],
    { x: 'iteration', y: `mean predicted ${property.name}` },
    { width: 420, height: 220, integerX: true },
  );
  const deltaRows = names.map((n) => [n, signed(cf.meanDeltas.up[n]), signed(cf.meanDeltas.down[n])]);
  parts.push(
    section(
      'Counterfactual search (Eq. 2)',
      paragraph(`Target p' = the reconstruction's prediction × (1 ± ${cf.targetChange}); success = within ${percent(cf.tolerance, 0)}% of p'. Reached on ${percent(cf.successRate, 1)}% of ${cf.tiles * 2} searches (mean relative error ${percent(cf.meanRelativeError, 1)}%).${cf.measuredDirectionRate !== undefined ? ` Of the searches that reached p', ${percent(cf.measuredDirectionRate, 1)}% changed the physically measured attributes in a direction that moves the true ${property.name} the requested way.` : ''}`) +
        table(['attribute', `mean change to raise ${property.name}`, `mean change to lower ${property.name}`], deltaRows) +
        `<div class="chart">${path}</div>`,
    ),
  );

  const ent = [r.entanglement.byCritic ? matrixTable(r.entanglement.byCritic, names, 'the critic C') : '', r.entanglement.byMeasurement ? matrixTable(r.entanglement.byMeasurement, names, 'physical measurement of the synthesised tiles') : ''].join('');
  if (ent) parts.push(section('Entanglement: does each knob move only its own attribute?', ent));

  if (r.perLot.length > 1) {
    const lotRows = r.perLot.map((l) => [l.lot, l.tiles, ...l.contributions.map((c) => signed(c, 1)), names[l.driver], ...(l.trueDriver !== undefined ? [names[l.trueDriver]] : [])]);
    const hasTrueDriver = r.perLot.every((l) => l.trueDriver !== undefined);
    const agree = hasTrueDriver ? r.perLot.filter((l) => l.driver === l.trueDriver).length : 0;
    const lotChart = await barChart(
      r.perLot.map((l) => ({ label: `lot ${l.lot}: ${names[l.driver]}`, value: l.contributions[l.driver] })),
      { x: `driver's share of the lot's deviation${unit ? ` (${property.unit})` : ''}`, y: 'lot: driving attribute' },
      { width: 420 },
    );
    parts.push(
      section(
        'Per lot: which knob drives the prediction',
        paragraph(`Per lot, slope × (lot's attribute − mean lot): each knob's first-order share of how far the lot's prediction sits from the average lot.${hasTrueDriver ? ` The driver agrees with the true function's on ${agree} of ${r.perLot.length} lots.` : ''}`) +
          table(['lot', 'tiles', ...names, 'driver', ...(hasTrueDriver ? ['true driver'] : [])], lotRows) +
          `<div class="chart">${lotChart}</div>`,
      ),
    );
  }
  return htmlPage({ title: `trustscope knobs: ${property.name}`, body: parts.join('\n'), css: '.strip { display: flex; gap: 4px; margin: 2px 0 8px; } .strip img { width: 96px; } details { margin: 0.4rem 0 1rem; }' });
}
