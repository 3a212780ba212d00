/**
 * The structure–property report: one self-contained page (inline SVG charts, PNG data URIs) with
 * the held-out scores against the baselines, predicted vs true spectra with the dual VAE's
 * uncertainty band, the latent space (coloured by label and factors, the latent↔factor table,
 * traversals), attributions through the encoder–decoders, and error against distance from the
 * training region.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import type { StructurePropertyFigures, StructurePropertyResult, BaselineComparison } from '../audit/structure-property/study.js';
import { escapeHtml, figure, formatNumber, grid, htmlPage, paragraph, raw, section, table } from './html.js';
import { encodePng, greyscaleRgba, greyscalePng, heatmapPng, pngDataUri, upscaleNearest } from './png.js';
import { distanceChart, latentScatter, spectrumChart, traversalSpectraChart } from './structure-property-charts.js';

export interface StructurePropertyPageOptions {
  wavelengthUnit: string;
  labelName?: string;
  title?: string;
}

const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : formatNumber(v, d));
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(1)}%`);

/** Greyscale tiles (each [1, S, S] or [S·S]) in a grid with a 1-pixel gap, upscaled ×scale. */
function tilePng(tiles: readonly Float32Array[], size: number, columns: number, scale = 3): string {
  const rows = Math.ceil(tiles.length / columns);
  const width = columns * (size + 1) - 1;
  const height = rows * (size + 1) - 1;
  const data = new Uint8Array(width * height * 4).fill(255);
  tiles.forEach((t, k) => {
    const rgba = greyscaleRgba(tensor([1, size, size], t), [0, 1]);
    const ox = (k % columns) * (size + 1);
    const oy = Math.floor(k / columns) * (size + 1);
    for (let y = 0; y < size; y++) data.set(rgba.data.subarray(y * size * 4, (y + 1) * size * 4), ((oy + y) * width + ox) * 4);
  });
  const big = upscaleNearest({ width, height, data }, scale);
  return pngDataUri(encodePng(big.data, big.width, big.height));
}

function comparisonRow(name: string, c: BaselineComparison): (string | ReturnType<typeof raw>)[] {
  const beats = c.heldOutMse < c.meanBaselineMse && c.heldOutMse < c.nnBaselineMse;
  return [name, c.latent === null ? '—' : String(c.latent), f(c.heldOutMse), f(c.meanBaselineMse), f(c.nnBaselineMse), f(c.inDistributionMse), raw(beats ? '<strong>beats both</strong>' : 'does <strong>not</strong> beat both')];
}

/** The two latent dimensions whose posterior means vary most (the ones the KL term left active). */
function activeDimensions(latents: Tensor): [number, number] {
  const [n, L] = latents.shape;
  const variance = Array.from({ length: L }, (_, d) => {
    let m = 0;
    for (let i = 0; i < n; i++) m += latents.data[i * L + d] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (latents.data[i * L + d] - m) ** 2 / n;
    return v;
  });
  const order = variance.map((v, d) => [v, d]).sort((a, b) => b[0] - a[0]).map(([, d]) => d);
  return [order[0], order[1] ?? order[0]];
}

export async function renderStructurePropertyPage(r: StructurePropertyResult, fig: StructurePropertyFigures, options: StructurePropertyPageOptions): Promise<string> {
  const unit = options.wavelengthUnit;
  const xTitle = `wavelength (${unit})`;
  const S = fig.imageSize;
  const parts: string[] = [];
  const im = r.im2spec;
  const beats = im.heldOutMse < im.meanBaselineMse && im.heldOutMse < im.nnBaselineMse;
  parts.push(`<h1>${escapeHtml(options.title ?? 'Structure–property models: im2spec, spec2im, dual VAE')}</h1>`);
  parts.push(
    paragraph(
      `On ${r.rows.heldOut} held-out examples (never used for training) im2spec predicts spectra with MSE ${f(im.heldOutMse)}; the mean spectrum scores ${f(im.meanBaselineMse)} and the nearest training image's spectrum ${f(im.nnBaselineMse)}: im2spec ${beats ? 'beats both' : 'does NOT beat both'}. ` +
        (r.dualVae.latentProbeAccuracy !== null ? `A linear probe reads ${options.labelName ?? 'the label'} from the dual VAE's ${r.dualVae.latent}-dimensional latent with accuracy ${pct(r.dualVae.latentProbeAccuracy)} (from 2×2-binned raw pixels: ${pct(r.dualVae.pixelProbeAccuracy)}).` : ''),
      'bottom-line',
    ),
  );

  parts.push(
    section(
      'Held-out prediction against baselines',
      table(['model', 'latent', 'held-out MSE', 'mean baseline', 'nearest-neighbour baseline', 'in-distribution MSE', 'verdict'], [comparisonRow(`im2spec (image → spectrum)${im.source === 'given' ? ', your model' : ''}`, im), ...Object.entries(r.spec2im).map(([l, c]) => comparisonRow(`spec2im (spectrum → image)${c.source === 'given' ? ', your model' : `, latent ${l}`}`, c))]) +
        (im.byRegion ? table(['im2spec by held-out region', 'examples', 'held-out MSE', 'mean baseline', 'nearest-neighbour baseline'], Object.entries(im.byRegion).map(([name, x]) => [name, String(x.rows), f(x.heldOutMse), f(x.meanBaselineMse), f(x.nnBaselineMse)])) : '') +
        table(['spec2im scored on radial profiles (orientation removed)', 'held-out MSE', 'mean baseline', 'nearest-neighbour baseline'], Object.entries(r.spec2im).filter(([, c]) => c.radialProfile).map(([l, c]) => [c.source === 'given' ? 'your model' : `latent ${l}`, f(c.radialProfile!.heldOutMse), f(c.radialProfile!.meanBaselineMse), f(c.radialProfile!.nnBaselineMse)])) +
        paragraph('Unpolarised spectra carry no orientation, so a pixel-wise score asks spec2im for something the spectrum cannot tell; the radial profile (mean intensity in 1-pixel rings about the image centre) keeps what it can: particle size, count and spacing.') +
        paragraph(`Rows: ${r.rows.training} training, ${r.rows.inDistributionTest} in-distribution test (training region, unseen examples), ${r.rows.heldOut} held out. The nearest neighbour is the training example whose input (image, or spectrum for spec2im) is closest in Euclidean distance. MSE is per spectral bin or per pixel.`),
      { id: 'scores' },
    ),
  );

  // Held-out examples: image, spectra with the band, the structure spec2im draws from the spectrum.
  const exampleCells: string[] = [];
  for (const e of fig.examples) {
    exampleCells.push(figure(pngDataUri(greyscalePng(e.image, { range: [0, 1], scale: 4 })), `held-out row ${e.row}`, { width: 4 * S }));
    exampleCells.push(`<figure>${await spectrumChart(fig.wavelengths, [{ name: 'true', values: e.spectrum }, { name: 'im2spec', values: e.im2spec }, { name: 'dual VAE mean', values: e.vaeMean }], { mean: e.vaeMean, std: e.vaeStd, name: 'dual VAE ±2σ' }, { x: xTitle, y: 'scattering' })}<figcaption>true vs predicted spectrum; shaded: mean ± 2σ of spectra decoded from ${escapeHtml(String(32))} latent samples</figcaption></figure>`);
    exampleCells.push(figure(pngDataUri(greyscalePng(tensor([1, S, S], e.spec2im), { range: [0, 1], scale: 4 })), 'spec2im: structure drawn from the spectrum', { width: 4 * S }));
  }
  const d = r.dualVae;
  parts.push(
    section(
      'Predicted vs true spectra on held-out geometries, with uncertainty',
      grid(exampleCells, 3) +
        paragraph(`Dual VAE, image → shared latent → spectrum: held-out MSE of the mean over latent samples ${f(d.imageToSpectrumHeldOutMse)}; ${pct(d.uncertaintyBandCoverage)} of held-out spectral bins lie inside mean ± 2σ; mean predicted σ per bin ${f(d.meanPredictiveStd.heldOut)} held out vs ${f(d.meanPredictiveStd.inDistribution)} in distribution. Spectrum → shared latent → image: held-out MSE ${f(d.spectrumToImageHeldOutMse)}.`),
      { id: 'predictions' },
    ),
  );

  // Latent space.
  const [a, b] = activeDimensions(fig.latents);
  const L = fig.latents.shape[1];
  const point = (i: number, colour: number | string) => ({ x: fig.latents.data[i * L + a], y: fig.latents.data[i * L + b], colour, hollow: fig.heldOut[i] });
  const n = fig.latents.shape[0];
  const scatters: string[] = [];
  if (fig.labels) scatters.push(`<figure>${await latentScatter(Array.from({ length: n }, (_, i) => point(i, String(fig.labels![i]))), { x: `z${a}`, y: `z${b}`, colour: options.labelName ?? 'label' }, true)}<figcaption>coloured by ${escapeHtml(options.labelName ?? 'label')}</figcaption></figure>`);
  for (const factor of fig.factors ?? []) {
    if (factor.name === options.labelName) continue;
    scatters.push(`<figure>${await latentScatter(Array.from({ length: n }, (_, i) => point(i, factor.values[i])), { x: `z${a}`, y: `z${b}`, colour: factor.name }, false)}<figcaption>coloured by ${escapeHtml(factor.name)}</figcaption></figure>`);
  }
  let factorTable = '';
  if (r.latentFactors) {
    const t = r.latentFactors;
    factorTable =
      table(
        ['latent', ...t.factors.map((x) => `${x}: r / MI`)],
        Array.from({ length: L }, (_, dim) => [`z${dim}`, ...t.factors.map((_, j) => raw(`${t.bestDimension[j] === dim ? '<strong>' : ''}${f(t.correlation[dim][j], 2)} / ${f(t.mutualInformation[dim][j], 2)}${t.bestDimension[j] === dim ? '</strong>' : ''}`))]),
      ) + paragraph('r: Pearson correlation of the image encoder\'s posterior mean with the factor; MI: mutual information in nats from 8 equal-count bins (plug-in estimate). Bold: the dimension with the most information about each factor.');
  }
  parts.push(section(`Latent space of the dual VAE (image encoder, z${a} vs z${b}: its two most variable dimensions; triangles: held out)`, grid(scatters, 3) + factorTable, { id: 'latent' }));

  // Traversals.
  const tiles: Float32Array[] = [];
  for (const t of fig.traversals.image) for (let s = 0; s < t.values.length; s++) tiles.push(t.decoded.data.slice(s * S * S, (s + 1) * S * S));
  const steps = fig.traversals.image[0]?.values.length ?? 0;
  const spectraCharts: string[] = [];
  for (const t of fig.traversals.spectrum) spectraCharts.push(`<figure>${await traversalSpectraChart(fig.wavelengths, t.decoded, t.values, `z${t.dimension}`, xTitle)}</figure>`);
  parts.push(
    section(
      'Latent traversals',
      figure(tilePng(tiles, S, steps), `images decoded along each latent dimension (rows z0…z${L - 1}; columns mean − 2 sd … mean + 2 sd, other dimensions at their mean)`, { width: 3 * (steps * (S + 1)) }) + grid(spectraCharts, 3) + paragraph('Spectra decoded along each latent dimension (colour: the latent value, dark = low).'),
      { id: 'traversals' },
    ),
  );

  // Attribution through the encoder–decoders.
  const ex = r.explanations;
  const attrCells: string[] = [];
  for (const band of ex.spectralBand.perExample.slice(0, ex.examples.length)) {
    const imageRow = fig.examples.find((e) => e.row === band.row)?.image;
    if (!imageRow) continue;
    const map = tensor([1, S, S], Float32Array.from(band.map));
    const peak = Math.max(...band.map.map(Math.abs)) || 1;
    attrCells.push(figure(pngDataUri(greyscalePng(imageRow, { range: [0, 1], scale: 4 })), `held-out row ${band.row}`, { width: 4 * S }));
    attrCells.push(figure(pngDataUri(heatmapPng(map, { colormap: 'blue-red', range: [-peak, peak], scale: 4 })), `row ${band.row}: pixels driving the predicted band ${band.bandWavelengths[0].toFixed(0)}–${band.bandWavelengths[1].toFixed(0)} ${unit} (IG map: red +, blue −); ${pct(band.onStructureShare)} of the positive attribution on the particles`, { width: 4 * S }));
    const region = ex.imageRegion.perExample.find((x) => x.row === band.row);
    const e = fig.examples.find((x) => x.row === band.row)!;
    if (region) {
      const peak = Math.max(...region.values.map(Math.abs)) || 1;
      const top = Math.max(...Array.from(e.spectrum));
      attrCells.push(`<figure>${await spectrumChart(fig.wavelengths, [{ name: 'true spectrum', values: e.spectrum }, { name: 'attribution (scaled)', values: region.values.map((v) => (v / peak) * top) }], undefined, { x: xTitle, y: '' }, { highlight: band.bandWavelengths })}<figcaption>spec2im: wavelengths driving the particle pixels of the predicted image (IG, scaled to the spectrum's height); ${pct(region.inPeakShare)} of |attribution| on the spectrum's peak. Yellow: the band explained on the left.</figcaption></figure>`);
    }
  }
  parts.push(
    section(
      'Attribution through the encoder–decoders (integrated gradients)',
      grid(attrCells, 3) +
        paragraph(`Over ${ex.spectralBand.perExample.length} held-out examples: ${pct(ex.spectralBand.meanOnStructureShare)} of the positive attribution of the predicted peak band falls on the particles, which cover ${pct(ex.spectralBand.structurePixelShare)} of the pixels; ${pct(ex.imageRegion.meanInPeakShare)} of the wavelength attribution of the predicted particles falls on the true spectrum's peak bins (${pct(ex.imageRegion.peakBinShare)} of the bins). Completeness gap |Σφ − Δf|/|Δf| at most ${f(Math.max(...ex.spectralBand.perExample.map((x) => x.completenessGap), ...ex.imageRegion.perExample.map((x) => x.completenessGap)), 3)} (${ex.steps.spectralBand} and ${ex.steps.imageRegion} steps).`),
      { id: 'attribution' },
    ),
  );

  const dist = r.errorVsDistance;
  parts.push(
    section(
      'Error against distance from the training region',
      `<figure>${await distanceChart(dist.points, dist.space === 'geometry' ? `distance to the nearest training geometry (${dist.coordinates.join(', ')} scaled to [0, 1])` : 'distance to the nearest training latent (standardised)')}</figure>` +
        table(['distance', 'examples', 'mean im2spec MSE'], dist.bins.map((bin) => [`${f(bin.from, 3)}–${f(bin.to, 3)}`, String(bin.count), f(bin.meanMse)])) +
        paragraph(`Spearman correlation of error with distance: ${f(dist.spearman, 3)} (positive: predictions degrade away from the training data).`),
      { id: 'distance' },
    ),
  );

  parts.push(
    section(
      'Training and timings',
      paragraph(`Dual VAE coupling: ${d.coupling}. Weights: β = ${d.weights.beta} on each KL, λ = ${d.weights.align} on the alignment, ${d.weights.spectrum} on the spectrum reconstructions. Final training loss per example ${f(d.finalTrainingLoss)}.`) +
        table(['stage', 'seconds'], Object.entries(r.timings).map(([k, v]) => [k, v.toFixed(1)])),
      { id: 'training' },
    ),
  );
  return htmlPage({ title: options.title ?? 'trustscope structure–property report', body: parts.join('\n') });
}
