/**
 * Draws the audit's figure data (audit/figure-data.ts): charts as Vega-Lite rendered to inline SVG,
 * attribution maps as PNG data URIs, tables as HTML. The checks decide what is shown; this file
 * decides how it looks (sizes, colours, scale of the pictures), in one place for every check.
 */
import type { FigureData, MapsFigure, OverlaysFigure } from '../audit/figure-data.js';
import type { Tensor } from '../tensor/tensor.js';
import { row } from '../tensor/tensor.js';
import { barChart, histogram, lineChart, reliabilityDiagram } from './charts.js';
import { heatmapPng, overlayPng, pngDataUri } from './png.js';
import { escapeHtml, table } from './html.js';
import type { SpatialCalibration } from '../data/spatial-calibration.js';
import { scaleBarFor, withScaleBar } from './scale-bar.js';

/** Pixels per image pixel in the PNG strips (32×32 tiles become 128×128). */
const PICTURE_SCALE = 4;
/** Colour of region-of-interest outlines over saliency overlays. */
const OUTLINE_COLOR = '#99ff00';
const CHART_WIDTH = 360;
const LINE_CHART_WIDTH = 420;

/** Row i of a batch without its leading dimension, as the PNG helpers take it. */
function one(t: Tensor, i: number): Tensor {
  return { shape: t.shape.slice(1), data: row(t, i).data };
}

function checkRows(what: string, t: Tensor, labels: readonly string[]): void {
  if (t.shape[0] !== labels.length) throw new Error(`figure: ${labels.length} labels for ${t.shape[0]} ${what}; give one label per picture`);
}

/** A strip of pictures, each [H, W] values wide, with a scale bar when the calibration is of that grid. */
function pictures(items: readonly { uri: string; label: string; shape: readonly number[] }[], calibration?: SpatialCalibration): string {
  const one = (im: (typeof items)[number]) => {
    const [h, w] = im.shape.slice(-2);
    const picture = withScaleBar(`<img src="${im.uri}" alt="${escapeHtml(im.label)}">`, scaleBarFor(calibration, w, h), w, h);
    return `<figure>${picture}<figcaption>${escapeHtml(im.label)}</figcaption></figure>`;
  };
  return `<div class="pictures">${items.map(one).join('')}</div>`;
}

function overlays(fig: OverlaysFigure, calibration?: SpatialCalibration): string {
  checkRows('images', fig.images, fig.labels);
  checkRows('maps', fig.maps, fig.labels);
  if (fig.outlines) checkRows('outlines', fig.outlines, fig.labels);
  return pictures(
    fig.labels.map((label, i) => {
      const outlines = fig.outlines ? [{ mask: one(fig.outlines, i), color: OUTLINE_COLOR }] : [];
      return { uri: pngDataUri(overlayPng(one(fig.images, i), one(fig.maps, i), { scale: PICTURE_SCALE, outlines })), label, shape: fig.images.shape };
    }),
    calibration,
  );
}

function maps(fig: MapsFigure, calibration?: SpatialCalibration): string {
  checkRows('maps', fig.maps, fig.labels);
  return pictures(fig.labels.map((label, i) => ({ uri: pngDataUri(heatmapPng(one(fig.maps, i), { scale: PICTURE_SCALE })), label, shape: fig.maps.shape })), calibration);
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
      return `<div class="chart">${await reliabilityDiagram(fig.curves, title)}</div>`;
    case 'bars':
      return `<div class="chart">${await barChart(fig.bars, fig.axes, { ...title, width: CHART_WIDTH, xDomain: fig.valueDomain })}</div>`;
    case 'lines':
      return `<div class="chart">${await lineChart(fig.series, fig.axes, { ...title, width: LINE_CHART_WIDTH, integerX: fig.integerX })}</div>`;
    case 'histogram':
      return `<div class="chart">${await histogram(fig.groups, fig.axes, { ...title, width: CHART_WIDTH })}</div>`;
    case 'table':
      return table(fig.headers, fig.rows);
    case 'overlays':
      return overlays(fig, calibration);
    case 'maps':
      return maps(fig, calibration);
  }
}

/** The figure with its caption, as the audit page shows it. */
export async function figureHtml(fig: FigureData, calibration?: SpatialCalibration): Promise<string> {
  return `<figure class="evidence">${await drawFigure(fig, calibration)}<figcaption>${escapeHtml(fig.caption)}</figcaption></figure>`;
}
