/**
 * Figures as data. A check knows what its evidence means — which numbers form a reliability curve,
 * which images and maps belong together, what the axes are — but not how a page draws them: it
 * returns one of these plain records (numbers and tensors), and report/audit-figures.ts turns each
 * kind into a Vega-Lite chart, a PNG strip or an HTML table. So audit/ never imports report/, and a
 * new output (a notebook, the browser workbench) draws the same data its own way.
 *
 * Figures are not written to audit.json (tensors of pixels are not evidence).
 */
import type { Tensor } from '../tensor/tensor.js';

export interface AxisTitles {
  readonly x: string;
  readonly y: string;
}

interface FigureBase {
  /** One sentence under the figure. */
  readonly caption: string;
  /** Optional title drawn inside a chart. */
  readonly title?: string;
}

/** Reliability diagram: accuracy against mean confidence per bin, one curve per calibration. */
export interface ReliabilityFigure extends FigureBase {
  readonly kind: 'reliability';
  readonly curves: readonly { readonly name: string; readonly bins: readonly { readonly confidence: number; readonly accuracy: number; readonly count: number }[] }[];
}

/** Horizontal bars in the given order, with optional ± errors. */
export interface BarsFigure extends FigureBase {
  readonly kind: 'bars';
  readonly axes: AxisTitles;
  readonly bars: readonly { readonly label: string; readonly value: number; readonly error?: number; readonly interval?: readonly [number, number] }[];
  /** Fixed value axis (e.g. [0, 1] for accuracies and shares). */
  readonly valueDomain?: readonly [number, number];
}

/** Lines over a shared x axis. */
export interface LinesFigure extends FigureBase {
  readonly kind: 'lines';
  readonly axes: AxisTitles;
  readonly series: readonly { readonly name: string; readonly x: readonly number[]; readonly y: readonly number[] }[];
  /** x counts steps (whole-number ticks). */
  readonly integerX?: boolean;
  /** Named x positions (e.g. the layers of a cascade): x values are 0-based indices into it, and the axis shows the names. */
  readonly xCategories?: readonly string[];
}

/** One series over time with the segment means between its change points (the drift check). */
export interface ChangePointFigure extends FigureBase {
  readonly kind: 'change-point';
  readonly axes: AxisTitles;
  /** The series as drawn (e.g. a rolling mean), at its x positions (times, ascending). */
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Segment means between change points, as steps from x = from to x = to. */
  readonly segments: readonly { readonly from: number; readonly to: number; readonly mean: number }[];
  /** x positions of the change points (vertical rules). */
  readonly changes: readonly number[];
  readonly valueDomain?: readonly [number, number];
}

/** Overlaid histograms of several groups of scores on shared bins. */
export interface HistogramFigure extends FigureBase {
  readonly kind: 'histogram';
  readonly axes: AxisTitles;
  readonly groups: readonly { readonly name: string; readonly values: readonly number[] }[];
  /** Vertical lines at named values (e.g. a detector's threshold), labelled on the chart. */
  readonly markers?: readonly { readonly label: string; readonly value: number }[];
}

/** A small table of numbers (formatted by the check: it knows the precision that matters). */
export interface TableFigure extends FigureBase {
  readonly kind: 'table';
  readonly headers: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

/**
 * What a map's values are, for its colour bar and colour map: a signed map (Grad-CAM, KernelSHAP,
 * input × gradient, signed gradients) is drawn in a diverging map centred on 0, a magnitude
 * (|gradient| saliency) in a sequential one from 0.
 */
export interface MapValues {
  /** The colour bar's label, e.g. "|∂ class-1 logit / ∂ pixel|". */
  readonly unit: string;
  /** Values carry a sign (default: they do when any value is negative). */
  readonly signed?: boolean;
}

/** What the page says under each picture besides its label: the truth and the model's answer. */
export interface PictureDetails {
  readonly truth: string;
  readonly predicted: string;
  /** The model's probability for `predicted`. */
  readonly confidence: number;
}

/** Attribution maps over their images, side by side, with optional region outlines. */
export interface OverlaysFigure extends FigureBase {
  readonly kind: 'overlays';
  /** [k, C, H, W] */
  readonly images: Tensor;
  /** [k, C, H, W] or [k, H, W]: one map per image. */
  readonly maps: Tensor;
  /** [k, H, W]: 1 inside the outlined region (e.g. the region of interest). */
  readonly outlines?: Tensor;
  /** What the outline marks, for the legend (default "region of interest"). */
  readonly outlineMeaning?: string;
  /** One label per image (its id or file). */
  readonly labels: readonly string[];
  /** Per image: true label, prediction and its confidence. */
  readonly details?: readonly PictureDetails[];
  readonly values?: MapValues;
}

/** Attribution maps alone (heatmaps), side by side: e.g. one image's map as the model is randomised. */
export interface MapsFigure extends FigureBase {
  readonly kind: 'maps';
  /** [k, …map shape] */
  readonly maps: Tensor;
  readonly labels: readonly string[];
  readonly values?: MapValues;
}

/**
 * An explanation-manipulation attack per image (Dombrowski et al.): the image, its map, the target
 * the map was pushed toward, the map after the attack, and the perturbation itself.
 */
export interface ManipulationFigure extends FigureBase {
  readonly kind: 'manipulation';
  /** [k, C, H, W] each. */
  readonly images: Tensor;
  readonly original: Tensor;
  readonly target: Tensor;
  readonly manipulated: Tensor;
  readonly perturbation: Tensor;
  readonly labels: readonly string[];
  /** One line per image under its row (map change, output change). */
  readonly details?: readonly string[];
  readonly values?: MapValues;
}

export type FigureData = ReliabilityFigure | BarsFigure | LinesFigure | ChangePointFigure | HistogramFigure | TableFigure | OverlaysFigure | MapsFigure | ManipulationFigure;

export type FigureKind = FigureData['kind'];
