/**
 * The audit report page: verdicts first (one row per question, one column per audited model), then
 * each finding with its evidence, the rule that made the verdict, and what the check cannot tell.
 * Self-contained: charts are inline SVG, pictures are data URIs, no script, no CDN. The checks'
 * figure data is drawn by audit-figures.ts.
 */
import type { Finding, Verdict } from '../audit/findings.js';
import { escapeHtml, htmlPage, paragraph, section, table, raw } from './html.js';
import { figureHtml, isPictureFigure } from './audit-figures.js';
import type { SpatialCalibration } from '../data/spatial-calibration.js';
import { NO_PIXEL_SIZE, SCALE_BAR_CSS } from './scale-bar.js';
import { bottomLine } from './bottom-line.js';

export interface ModelAuditView {
  name: string;
  /** One line about the model and data (accuracy, images audited). */
  description: string;
  findings: readonly Finding[];
  /** The audited images' pixel size, when their files record one: pictures get a scale bar. */
  calibration?: SpatialCalibration;
}

export interface AuditPageInput {
  title: string;
  subtitle: string;
  /** Optional introduction (the demo explains its scenario). */
  intro?: string;
  models: readonly ModelAuditView[];
  /** Extra sections before the details (e.g. the demo's comparison table). */
  extra?: string;
  /**
   * Time per stage. Not drawn: the same input must give the same HTML bytes (a report is archived
   * and compared), and wall-clock times differ on every run; they are in audit.json.
   */
  timings?: Readonly<Record<string, number>>;
}

/** Every row is a question whose yes is the problem, so one legend reads every row. */
export const VERDICT_LEGEND =
  'Every question is asked so that yes is the problem. FLAG: yes, the check found it · WARN: weaker evidence of yes · PASS: no, the check ran and found nothing · NOT RUN: inputs missing, or an opt-in check not asked for (see details).';

const LABEL: Record<Verdict, string> = { flag: 'FLAG', warn: 'WARN', pass: 'PASS', 'not-run': 'NOT RUN' };

function badge(v: Verdict): string {
  return `<span class="verdict ${v}">${LABEL[v]}</span>`;
}

function summaryTable(models: readonly ModelAuditView[]): string {
  const ids: { id: string; title: string }[] = [];
  for (const m of models) for (const f of m.findings) if (!ids.some((x) => x.id === f.id)) ids.push({ id: f.id, title: f.title });
  const rows = ids.map(({ id, title }) => [
    title,
    ...models.map((m) => {
      const f = m.findings.find((x) => x.id === id);
      return f ? raw(`${badge(f.verdict)} <a href="#${escapeHtml(anchor(m.name, id))}">details</a>`) : '—';
    }),
  ]);
  return table(['question', ...models.map((m) => m.name)], rows, { className: 'verdicts' });
}

function anchor(model: string, id: string): string {
  return `${model}-${id}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

async function findingHtml(model: string, f: Finding, calibration?: SpatialCalibration): Promise<string> {
  const figures: string[] = [];
  for (const fig of f.figures ?? []) figures.push(await figureHtml(fig, calibration));
  return [
    `<article class="finding" id="${escapeHtml(anchor(model, f.id))}">`,
    `<h3>${badge(f.verdict)} ${escapeHtml(f.title)}</h3>`,
    paragraph(f.summary),
    figures.join('\n'),
    `<p class="rule"><strong>Rule.</strong> ${escapeHtml(f.rule)}</p>`,
    `<p class="limits"><strong>What this cannot tell.</strong> ${escapeHtml(f.limits)}</p>`,
    '</article>',
  ].join('\n');
}

/** One sentence per model before anything else: what to do with it, each reason one click from its evidence. */
function bottomLines(models: readonly ModelAuditView[]): string {
  const lines = models.map((m) => {
    const b = bottomLine(m.name, m.findings, (f) => `#${anchor(m.name, f.id)}`);
    return `<p class="bottom-line ${b.stance}">${b.html}</p>`;
  });
  return `<section class="bottom-lines" aria-label="bottom line">\n${lines.join('\n')}\n</section>`;
}

/** The page; async because the figures' charts are rendered (Vega) while it is built. */
export async function renderAuditPage(input: AuditPageInput): Promise<string> {
  const details: string[] = [];
  for (const m of input.models) {
    const findings: string[] = [];
    for (const f of m.findings) findings.push(await findingHtml(m.name, f, m.calibration));
    details.push(section(m.name, paragraph(m.description, 'muted') + findings.join('\n'), { id: anchor(m.name, 'model') }));
  }
  // Said once for the page: pictures of images without a pixel size carry no scale bar.
  const uncalibrated = input.models.some((m) => !m.calibration && m.findings.some((f) => (f.figures ?? []).some(isPictureFigure)));
  const body = [
    '<header>',
    `<h1>${escapeHtml(input.title)}</h1>`,
    paragraph(input.subtitle, 'muted'),
    uncalibrated ? paragraph(NO_PIXEL_SIZE, 'muted') : '',
    '</header>',
    bottomLines(input.models),
    input.intro ? paragraph(input.intro, 'lead') : '',
    section('Verdicts', summaryTable(input.models) + paragraph(VERDICT_LEGEND, 'muted')),
    input.extra ?? '',
    ...details,
    section(
      'What the audit cannot tell',
      paragraph(
        'Every check answers a narrow question with a stated rule. Passing them all does not prove the model learned the physics: ' +
          'it shows that the failures these checks look for were not found on the data given. A domain expert must still judge ' +
          'whether what the model attends to is physically meaningful, and the audit must be repeated when the data change.',
      ),
    ),
    '<footer>Time per stage is in audit.json: this page holds only what the same input reproduces byte for byte.</footer>',
  ].join('\n');
  return htmlPage({ title: input.title, body, css: AUDIT_CSS });
}

/** The figures' and verdicts' style sheet (the browser workbench draws the same components with it). */
export const AUDIT_CSS = `
.verdict { display: inline-block; min-width: 4.6em; text-align: center; font-weight: 700; font-size: 0.78rem;
  letter-spacing: 0.04em; padding: 2px 6px; border-radius: 3px; color: #fff; }
/* White text on every badge at a contrast of at least 4.5:1 (WCAG AA); the words, not the colours, carry the verdict. */
.verdict.flag { background: #b71c1c; } .verdict.warn { background: #8a4b00; }
.verdict.pass { background: #2e6b30; } .verdict.not-run { background: #5c6576; }
.bottom-lines { margin: 1rem 0 1.4rem; }
.bottom-line { font-size: 1.12rem; font-weight: 600; max-width: none; padding: 10px 14px; border-left: 6px solid; border-radius: 3px; background: var(--panel); }
.bottom-line.distrust { border-color: #b71c1c; } .bottom-line.caution { border-color: #8a4b00; }
.bottom-line.no-problem { border-color: #2e6b30; } .bottom-line.not-audited { border-color: #5c6576; }
.bottom-line a { color: inherit; }
/* On paper a "details" link leads nowhere: the details follow in the same order. */
@media print { table.verdicts a { display: none; } }
table.verdicts td { min-width: 12rem; }
article.finding { margin: 1.2rem 0 1.8rem; }
.rule, .limits { font-size: 0.9rem; color: var(--muted); }
figure.evidence { margin: 0.6rem 0 0.8rem; }
.chart svg { max-width: 100%; height: auto; }
.pictures { display: flex; flex-wrap: wrap; gap: 14px 18px; }
.pictures figure { max-width: 100%; }
.pair-row { display: flex; gap: 6px; align-items: flex-start; }
svg.colourbar { display: block; margin-top: 2px; }
.legend { font-size: 0.85rem; color: var(--muted); margin: 0.3rem 0; }
.legend .swatch { display: inline-block; width: 14px; height: 10px; border: 2px solid; margin-right: 6px; vertical-align: -1px; background: #333; }
${SCALE_BAR_CSS}`;
