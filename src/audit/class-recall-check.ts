/**
 * "Is a class recognised worse than the accuracy says?": overall accuracy averages over classes, so a rare or
 * hard class (a defect type seen 30 times among 1000 tiles) can be missed most of the time while the
 * headline number looks fine. Per class: recall with its Wilson 95% interval, and what the class is
 * mistaken for. Works on the predictions the audit computed once.
 */
import { defineCheck, need } from './check.js';

export const CLASS_RECALL_RULE = {
  /** A class is weak when its recall is below overall accuracy by more than this… */
  gap: 0.15,
  /** Wilson interval z for 95%: the normal 0.975 quantile (statsmodels' value, not the rounded 1.96). */
  z: 1.959963984540054,
};

/** Wilson score interval of a binomial proportion (better than the normal one near 0 and 1). */
export function wilson(successes: number, n: number, z = CLASS_RECALL_RULE.z): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface ClassRecall {
  class: number;
  images: number;
  recall: number;
  low: number;
  high: number;
  /** The class its misses are most often predicted as (undefined without misses). */
  confusedWith?: number;
  confusedShare?: number;
}

export const classRecallCheck = defineCheck({
  id: 'class-recall',
  title: 'Is a class recognised worse than the accuracy says?',
  needs: [need('classifier', 'its regression form is not built yet')],
  options: [{ key: 'gap', flag: '--recall-gap', kind: 'number', min: 0, max: 1, default: CLASS_RECALL_RULE.gap, help: 'a class is weak when its recall is this far below overall accuracy' }],
  limits: 'Recall is measured on the images given: a class with few images gets a wide interval, and a class missing from the data cannot be judged at all.',
  async run(context, options: { gap: number }) {
    const { predicted, accuracy } = context;
    const labels = context.data.labels;
    const classes = [...new Set(labels)].sort((a, b) => a - b);
    const perClass: ClassRecall[] = classes.map((c) => {
      const rows = labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
      const hits = rows.filter((i) => predicted[i] === c).length;
      const misses = new Map<number, number>();
      for (const i of rows) if (predicted[i] !== c) misses.set(predicted[i], (misses.get(predicted[i]) ?? 0) + 1);
      const top = [...misses.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
      const [low, high] = wilson(hits, rows.length);
      return { class: c, images: rows.length, recall: hits / rows.length, low, high, confusedWith: top?.[0], confusedShare: top ? top[1] / rows.length : undefined };
    });
    const bar = accuracy - options.gap;
    // Flag only when even the interval's top is below the bar: a weak class, not a small one.
    const flagged = perClass.filter((e) => e.high < bar);
    const warned = perClass.filter((e) => e.recall < bar && !flagged.includes(e));
    const balanced = perClass.reduce((s, e) => s + e.recall, 0) / perClass.length;
    const verdict = flagged.length ? 'flag' : warned.length ? 'warn' : 'pass';
    const say = (e: ClassRecall) =>
      `class ${e.class}: recall ${e.recall.toFixed(3)} (95% ${e.low.toFixed(2)}–${e.high.toFixed(2)}, ${e.images} images)${e.confusedWith !== undefined ? `, mostly mistaken for class ${e.confusedWith} (${(100 * e.confusedShare!).toFixed(0)}%)` : ''}`;
    const worst = [...perClass].sort((a, b) => a.recall - b.recall)[0];
    return {
      verdict,
      summary:
        verdict === 'pass'
          ? `Every class is found about as often as the accuracy (${accuracy.toFixed(3)}) says: balanced accuracy ${balanced.toFixed(3)}; weakest ${say(worst)}.`
          : `Accuracy ${accuracy.toFixed(3)} hides weak class(es): ${[...flagged, ...warned].map(say).join('; ')}; balanced accuracy ${balanced.toFixed(3)}.`,
      headline: `class ${worst.class} is found in only ${(100 * worst.recall).toFixed(0)}% of its images against ${(100 * accuracy).toFixed(0)}% accuracy`,
      rule: `flag a class whose recall's Wilson 95% upper bound is below accuracy − ${options.gap}; warn when its recall alone is.`,
      evidence: { accuracy, balancedAccuracy: balanced, gap: options.gap, perClass },
      figures: [
        {
          kind: 'bars',
          caption: `recall per class with its Wilson 95% interval; overall accuracy ${accuracy.toFixed(3)}`,
          axes: { x: 'recall', y: 'class' },
          bars: perClass.map((e) => ({ label: `class ${e.class} (${e.images} images)`, value: e.recall, interval: [e.low, e.high] as const })),
          valueDomain: [0, 1],
        },
      ],
    };
  },
});
