/**
 * Draws the audit's figure data (audit/figure-data.ts): charts as Vega-Lite rendered to inline SVG,
 * attribution maps as PNG data URIs, tables as HTML. The checks decide what is shown; this file
 * decides how it looks (sizes, colours, scale of the pictures), in one place for every check.
 */
import type { FigureData, MapValues, MapsFigure, OverlaysFigure, PictureDetails } from '../audit/figure-data.js';
import type { Tensor } from '../tensor/tensor.js';
import { row } from '../tensor/tensor.js';
import { SPARSE_BIN, barChart, histogram, lineChart, reliabilityDiagram } from './charts.js';
import { changePointChart } from './change-point-chart.js';
import { collapseMap, greyscalePng, heatmapPng, overlayPng, pngDataUri } from './png.js';
import { colourBarSvg, hasNegative, mapRange } from './colour-bar.js';
import type { ColormapName } from './colormap.js';
import { escapeHtml, table } from './html.js';
import type { SpatialCalibration } from '../data/spatial-calibration.js';
import { scaleBarFor, withScaleBar } from './scale-bar.js';
import { manipulationFigureHtml } from './manipulation-figure.js';

/**
 * Pictures are drawn at least this many pixels on their long side (nearest-neighbour, whole
 * multiples): a 32×32 tile at 128 px hides the single pixels a shortcut lives in.
 */
const MIN_PICTURE_SIDE = 224;
/** Region outlines: cyan is far from every colour of inferno and of the blue-red map's ends. */
const OUTLINE_COLOR = '#00e5ff';
const CHART_WIDTH = 360;
const LINE_CHART_WIDTH = 420;

/** Row i of a batch without its leading dimension, as the PNG helpers take it. */
function one(t: Tensor, i: number): Tensor {
  return { shape: t.shape.slice(1), data: row(t, i).data };
}

function checkRows(what: string, t: Tensor, labels: readonly string[]): void {
  if (t.shape[0] !== labels.length) throw new Error(`figure: ${labels.length} labels for ${t.shape[0]} ${what}; give one label per picture`);
}

/** The whole-number upscaling that brings an H×W picture to at least MIN_PICTURE_SIDE. */
export function pictureScale(height: number, width: number): number {
  return Math.max(1, Math.ceil(MIN_PICTURE_SIDE / Math.max(height, width)));
}

/** How one map is coloured: a diverging map around 0 when signed, a sequential one from 0 otherwise. */
function mapStyle(map: Tensor, values: MapValues | undefined): { signed: boolean; colormap: ColormapName; range: [number, number]; unit: string } {
  const v = collapseMap(map).values;
  const signed = values?.signed ?? hasNegative(v);
  return { signed, colormap: signed ? 'blue-red' : 'inferno', range: mapRange(v, signed), unit: values?.unit ?? (signed ? 'attribution (signed)' : 'attribution') };
}

/** One picture as an <img> with its scale bar (when the calibration is of that grid). */
function picture(uri: string, alt: string, h: number, w: number, scale: number, calibration?: SpatialCalibration): string {
  return withScaleBar(`<img src="${uri}" alt="${escapeHtml(alt)}" width="${w * scale}" height="${h * scale}">`, scaleBarFor(calibration, w, h), w, h);
}

function detailsText(d: PictureDetails | undefined): string {
  return d ? ` · true ${d.truth} · predicted ${d.predicted} (p = ${d.confidence.toFixed(2)})` : '';
}

/** Image, then the map over it with its colour bar; the caption names the image and the model's answer. */
function overlays(fig: OverlaysFigure, calibration?: SpatialCalibration): string {
  checkRows('images', fig.images, fig.labels);
  checkRows('maps', fig.maps, fig.labels);
  if (fig.outlines) checkRows('outlines', fig.outlines, fig.labels);
  if (fig.details && fig.details.length !== fig.labels.length) throw new Error(`figure: ${fig.details.length} details for ${fig.labels.length} pictures; give one per picture`);
  const [h, w] = fig.images.shape.slice(-2);
  const scale = pictureScale(h, w);
  const meaning = fig.outlineMeaning ?? 'region of interest';
  const items = fig.labels.map((label, i) => {
    const image = one(fig.images, i);
    const map = one(fig.maps, i);
    const style = mapStyle(map, fig.values);
    const outlines = fig.outlines ? [{ mask: one(fig.outlines, i), color: OUTLINE_COLOR }] : [];
    const raw = picture(pngDataUri(greyscalePng(image, { scale })), `${label}: the image`, h, w, scale, calibration);
    const over = picture(
      pngDataUri(overlayPng(image, map, { scale, outlines, colormap: style.colormap, signed: style.signed, range: style.range })),
      `${label}: ${style.unit} over the image${fig.outlines ? `, outline = ${meaning}` : ''}`,
      h,
      w,
      scale,
      calibration,
    );
    const bar = colourBarSvg({ colormap: style.colormap, range: style.range, unit: style.unit, width: w * scale });
    return `<figure class="pair"><div class="pair-row">${raw}<div>${over}${bar}</div></div><figcaption>${escapeHtml(label + detailsText(fig.details?.[i]))}</figcaption></figure>`;
  });
  const legend = fig.outlines ? `<p class="legend"><span class="swatch" style="border-color:${OUTLINE_COLOR}"></span>outline: ${escapeHtml(meaning)}</p>` : '';
  return `${legend}<div class="pictures">${items.join('')}</div>`;
}

/** Heatmaps alone, each with its colour bar. */
function maps(fig: MapsFigure, calibration?: SpatialCalibration): string {
  checkRows('maps', fig.maps, fig.labels);
  const [h, w] = fig.maps.shape.slice(-2);
  const scale = pictureScale(h, w);
  const items = fig.labels.map((label, i) => {
    const map = one(fig.maps, i);
    const style = mapStyle(map, fig.values);
    const pic = picture(pngDataUri(heatmapPng(map, { scale, colormap: style.colormap, range: style.range })), `${label}: ${style.unit}`, h, w, scale, calibration);
    return `<figure>${pic}${colourBarSvg({ colormap: style.colormap, range: style.range, unit: style.unit, width: w * scale })}<figcaption>${escapeHtml(label)}</figcaption></figure>`;
  });
  return `<div class="pictures">${items.join('')}</div>`;
}

/** True for figures drawn as pictures of the images (they take a scale bar). */
export function isPictureFigure(fig: FigureData): boolean {
  return fig.kind === 'overlays' || fig.kind === 'maps';
}

/**
 * The figure's body: an SVG chart, a table or a strip of pictures (without its caption). Pictures
 * of the audited images get a scale bar from `calibration` (the images' pixel size).
 */
export async function drawFigure(fig: FigureData, calibration?: SpatialCalibration): Promise<string> {
  const title = fig.title ? { title: fig.title } : {};
  switch (fig.kind) {
    case 'reliability':
      return (
        `<div class="chart">${await reliabilityDiagram(fig.curves, title)}</div>` +
        `<p class="legend">Empty bins are left out; hollow points are bins with fewer than ${SPARSE_BIN} images (too few to read as a rate); the lower panel counts the images per bin.</p>`
      );
    case 'bars':
      return `<div class="chart">${await barChart(fig.bars, fig.axes, { ...title, width: CHART_WIDTH, xDomain: fig.valueDomain })}</div>`;
    case 'lines':
      return `<div class="chart">${await lineChart(fig.series, fig.axes, { ...title, width: LINE_CHART_WIDTH, integerX: fig.integerX, xCategories: fig.xCategories })}</div>`;
    case 'change-point':
      return (
        `<div class="chart">${await changePointChart(fig, { ...title, width: LINE_CHART_WIDTH })}</div>` +
        `<p class="legend">Blue: rolling mean in acquisition order; orange: the mean of each segment between change points; dashed: the change points.</p>`
      );
    case 'histogram':
      return `<div class="chart">${await histogram(fig.groups, fig.axes, { ...title, width: CHART_WIDTH, markers: fig.markers })}</div>`;
    case 'table':
      return table(fig.headers, fig.rows);
    case 'overlays':
      return overlays(fig, calibration);
    case 'maps':
      return maps(fig, calibration);
    case 'manipulation':
      return manipulationFigureHtml(fig);
  }
}

/** The figure with its caption, as the audit page shows it. */
export async function figureHtml(fig: FigureData, calibration?: SpatialCalibration): Promise<string> {
  return `<figure class="evidence">${await drawFigure(fig, calibration)}<figcaption>${escapeHtml(fig.caption)}</figcaption></figure>`;
}
