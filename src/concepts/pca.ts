/**
 * PCA of the data (Kalinin's first question: how variable are the features?): the images' principal
 * directions ("eigenimages") and the share of the pixel variance each explains. Images are
 * flattened to D values and centred on their mean image; the eigenvectors come from the smaller of
 * the Gram matrix XXᵀ (N×N, when N ≤ D, as for a few hundred 32×32 tiles) and the covariance XᵀX
 * (D×D), which share their non-zero eigenvalues. Variances use N − 1 (numpy/sklearn's
 * explained_variance_). Each component's sign is fixed so that its largest-magnitude pixel is
 * positive (deterministic; sklearn's svd_flip picks another sign convention, the direction is the same).
 */
import { sizeOf, tensor, type Tensor } from '../tensor/tensor.js';
import { symmetricEigen } from '../tensor/symmetric-eigen.js';

export interface PcaResult {
  /** The mean image, shape of one input. */
  readonly mean: Tensor;
  /** Unit principal directions [k, ...input shape], largest variance first. */
  readonly components: Tensor;
  /** Variance along each component (N − 1 normalisation). */
  readonly explainedVariance: readonly number[];
  /** explainedVariance / total variance. */
  readonly explainedVarianceRatio: readonly number[];
  readonly totalVariance: number;
}

export function pca(images: Tensor, components: number): PcaResult {
  const n = images.shape[0];
  const itemShape = images.shape.slice(1);
  const d = sizeOf(itemShape);
  if (n < 2) throw new Error(`PCA needs at least 2 images (got ${n})`);
  const rank = Math.min(n - 1, d);
  if (!Number.isInteger(components) || components < 1) throw new Error(`PCA: components must be a positive integer (got ${components})`);
  const k = Math.min(components, rank);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += images.data[i * d + j] / n;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = images.data[i * d + j] - mean[j];
  let total = 0;
  for (const v of x) total += v * v;
  total /= n - 1;
  const directions = new Float64Array(k * d);
  const variances: number[] = [];
  if (n <= d) {
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += x[i * d + t] * x[j * d + t];
        gram[i * n + j] = s;
        gram[j * n + i] = s;
      }
    }
    const eig = symmetricEigen(gram, n);
    for (let c = 0; c < k; c++) {
      const lambda = Math.max(0, eig.values[c]);
      variances.push(lambda / (n - 1));
      // v = Xᵀu / √λ is the unit covariance eigenvector of the Gram eigenvector u.
      const norm = Math.sqrt(lambda) || 1;
      for (let i = 0; i < n; i++) {
        const u = eig.vectors[c * n + i] / norm;
        if (u !== 0) for (let t = 0; t < d; t++) directions[c * d + t] += u * x[i * d + t];
      }
    }
  } else {
    const cov = new Float64Array(d * d);
    for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a * d + b] += x[i * d + a] * x[i * d + b];
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[b * d + a] = cov[a * d + b];
    const eig = symmetricEigen(cov, d);
    for (let c = 0; c < k; c++) {
      variances.push(Math.max(0, eig.values[c]) / (n - 1));
      directions.set(eig.vectors.subarray(c * d, (c + 1) * d), c * d);
    }
  }
  for (let c = 0; c < k; c++) {
    let peak = 0;
    for (let t = 0; t < d; t++) if (Math.abs(directions[c * d + t]) > Math.abs(peak)) peak = directions[c * d + t];
    if (peak < 0) for (let t = 0; t < d; t++) directions[c * d + t] = -directions[c * d + t];
  }
  return {
    mean: tensor(itemShape, Float32Array.from(mean)),
    components: tensor([k, ...itemShape], Float32Array.from(directions)),
    explainedVariance: variances,
    explainedVarianceRatio: variances.map((v) => (total > 0 ? v / total : 0)),
    totalVariance: total,
  };
}
