/**
 * Student's two-sample t-test (equal variances, scipy.stats.ttest_ind's default), the test TCAV's
 * significance rests on (Kim et al. 2018 compare a concept's scores over random runs with
 * random-vs-random scores). The two-sided p-value is the regularised incomplete beta function
 * I_{ν/(ν+t²)}(ν/2, 1/2), evaluated by the Lentz continued fraction (Numerical Recipes §6.4).
 */

export interface TTestResult {
  readonly t: number;
  readonly degreesOfFreedom: number;
  /** Two-sided p-value. */
  readonly pValue: number;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * ln Γ(x) for x > 0: the recurrence Γ(x) = Γ(x + n)/(x(x+1)…(x+n−1)) lifts x above 15, where
 * Stirling's series to the x⁻⁹ term is exact to ~1e-15 (the error is below the next term, x⁻¹¹/…).
 */
export function logGamma(x: number): number {
  let shift = 0;
  while (x < 15) {
    shift += Math.log(x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function regularisedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast only below the mean a/(a+b); above it use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with ν degrees of freedom. */
export function studentTwoSidedP(t: number, degreesOfFreedom: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return regularisedIncompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
}

/**
 * ttest_ind(a, b) with pooled variance. Two samples without any spread give t = ±∞ (p = 0) when
 * their means differ and NaN when they are equal, as scipy does.
 */
export function twoSampleTTest(a: readonly number[], b: readonly number[]): TTestResult {
  if (a.length < 2 || b.length < 2) throw new Error(`t-test: each sample needs at least 2 values (got ${a.length} and ${b.length}); use more random runs`);
  const ma = mean(a);
  const mb = mean(b);
  const ss = a.reduce((s, v) => s + (v - ma) ** 2, 0) + b.reduce((s, v) => s + (v - mb) ** 2, 0);
  const df = a.length + b.length - 2;
  const pooled = ss / df;
  const se = Math.sqrt(pooled * (1 / a.length + 1 / b.length));
  const t = se > 0 ? (ma - mb) / se : ma === mb ? NaN : Math.sign(ma - mb) * Infinity;
  return { t, degreesOfFreedom: df, pValue: studentTwoSidedP(t, df) };
}

/**
 * Is x a draw from the population `sample` came from? Student's prediction-interval test:
 * t = (x − mean) / (s·√(1 + 1/n)) with n − 1 degrees of freedom (s the sample's standard deviation).
 * TCAV uses it to ask whether a concept's mean score is unusual among random concepts' mean scores.
 */
export function predictionTTest(x: number, sample: readonly number[]): TTestResult {
  if (sample.length < 2) throw new Error(`prediction t-test: the sample needs at least 2 values (got ${sample.length}); use more random runs`);
  const m = mean(sample);
  const n = sample.length;
  const s = Math.sqrt(sample.reduce((t, v) => t + (v - m) ** 2, 0) / (n - 1));
  const se = s * Math.sqrt(1 + 1 / n);
  const t = se > 0 ? (x - m) / se : x === m ? NaN : Math.sign(x - m) * Infinity;
  return { t, degreesOfFreedom: n - 1, pValue: studentTwoSidedP(t, n - 1) };
}
