/**
 * Building blocks for self-contained HTML reports: one file that opens offline, can be mailed or
 * archived with a paper, and never leaks that it was opened (no external URL, font, script or CDN).
 * Every helper escapes text itself; markup passes through only where a parameter says `html`.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** Markup that the helpers insert verbatim (everything else is escaped). */
export interface RawHtml {
  readonly html: string;
}

export function raw(html: string): RawHtml {
  return { html };
}

export type Cell = string | number | null | undefined | RawHtml;

/**
 * Compact, honest number formatting: integers as they are, otherwise `digits` significant digits,
 * and exponent notation only where fixed notation would hide the value (|x| < 1e-3 or ≥ 1e5).
 */
export function formatNumber(value: number, digits = 3): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(Math.max(0, digits - 1));
  return value.toPrecision(digits);
}

function cellHtml(cell: Cell, digits: number): { html: string; numeric: boolean } {
  if (cell === null || cell === undefined) return { html: '—', numeric: false };
  if (typeof cell === 'number') return { html: escapeHtml(formatNumber(cell, digits)), numeric: true };
  if (typeof cell === 'string') return { html: escapeHtml(cell), numeric: false };
  return { html: cell.html, numeric: false };
}

export interface TableOptions {
  caption?: string;
  /** Significant digits for numeric cells (default 3). */
  digits?: number;
  className?: string;
}

/** Numbers are formatted and right-aligned; null/undefined show as an em dash. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
  const { caption, digits = 3, className } = options;
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => {
      const cells = row.map((cell, i) => {
        const { html, numeric } = cellHtml(cell, digits);
        const tag = i === 0 ? 'th scope="row"' : 'td';
        const close = i === 0 ? 'th' : 'td';
        return `<${tag}${numeric ? ' class="num"' : ''}>${html}</${close}>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const cls = className ? ` class="${escapeHtml(className)}"` : '';
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : '';
  return `<table${cls}>${cap}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

export interface FigureOptions {
  /** Displayed width in CSS pixels (the image keeps its aspect ratio). */
  width?: number;
  /** Alternative text; defaults to the caption. */
  alt?: string;
}

/** Only data: URIs are accepted, which is what keeps a report self-contained. */
export function figure(dataUri: string, caption: string, options: FigureOptions = {}): string {
  return `<figure>${img(dataUri, options.alt ?? caption, options.width)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

export function img(dataUri: string, alt: string, width?: number): string {
  if (!dataUri.startsWith('data:')) {
    throw new Error(`report images must be data: URIs (got '${dataUri.slice(0, 40)}…'); the report has to open offline`);
  }
  const w = width !== undefined ? ` width="${Math.round(width)}"` : '';
  return `<img src="${escapeHtml(dataUri)}" alt="${escapeHtml(alt)}"${w}>`;
}

export function section(title: string, html: string, options: { id?: string } = {}): string {
  const id = options.id ? ` id="${escapeHtml(options.id)}"` : '';
  return `<section${id}>\n<h2>${escapeHtml(title)}</h2>\n${html}\n</section>`;
}

export function paragraph(text: string, className?: string): string {
  const cls = className ? ` class="${escapeHtml(className)}"` : '';
  return `<p${cls}>${escapeHtml(text)}</p>`;
}

/** A row-major grid of already-built cells (figures, headers…), `columns` wide. */
export function grid(cells: readonly string[], columns: number, className = ''): string {
  const cls = ['grid', className].filter(Boolean).join(' ');
  return `<div class="${escapeHtml(cls)}" style="--columns:${Math.max(1, Math.floor(columns))}">\n${cells.join('\n')}\n</div>`;
}

const BASE_CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --rule: #d9dee7; --panel: #f6f8fb; --accent: #2f5fb3; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 0.4rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 0.6rem; padding-bottom: 0.3rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
p { margin: 0.5rem 0 0.9rem; max-width: 75ch; }
.lead { font-size: 1.08rem; color: var(--ink); }
.muted, figcaption, caption { color: var(--muted); font-size: 0.85rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; text-align: left; padding-top: 0.4rem; }
th, td { padding: 6px 12px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { background: var(--panel); font-weight: 600; border-bottom: 2px solid var(--rule); }
tbody th { font-weight: 500; }
td.num, th.num { text-align: right; }
figure { margin: 0; }
figure img, .grid img { display: block; max-width: 100%; height: auto; image-rendering: pixelated;
  border: 1px solid var(--rule); border-radius: 3px; }
figcaption { margin-top: 4px; }
.grid { display: grid; grid-template-columns: repeat(var(--columns, 5), minmax(0, 1fr)); gap: 10px 12px;
  align-items: start; margin: 0.8rem 0 1.4rem; }
.grid .head { font-size: 0.8rem; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.note { background: var(--panel); border-left: 3px solid var(--accent); padding: 10px 14px; border-radius: 3px; }
footer { margin-top: 2.5rem; padding-top: 0.8rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: 0.8rem; }
/* Print (and the browser's PDF): full width, no split figures or tables, colours kept (the badges and
   heatmaps are data), links as plain text. */
@media print {
  @page { margin: 14mm 12mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  h2, h3 { break-after: avoid; }
  figure, table, .chart, .pictures figure, .bottom-line { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

export interface PageOptions {
  title: string;
  /** Inner HTML of <main>. */
  body: string;
  /** Extra CSS appended after the base style sheet. */
  css?: string;
  lang?: string;
}

export function htmlPage({ title, body, css = '', lang = 'en' }: PageOptions): string {
  return `<!DOCTYPE html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${BASE_CSS}${css}</style>
</head>
<body>
<main>
${body}
</main>
${PROVENANCE_SLOT}
</body>
</html>
`;
}

/** Where the provenance footer goes; the output folder fills it when it writes the page (cli/output-folder.ts). */
export const PROVENANCE_SLOT = '<!-- trustscope:provenance -->';

/** What the footer shows of a run's provenance (the full record is in run.json). */
export interface ProvenanceFooter {
  trustscope: string;
  command: string;
  arguments: readonly string[];
  seed?: number;
  models: readonly { path: string; sha256: string; producer?: string; producerVersion?: string; opset?: number }[];
  inputs: readonly { path: string; sha256: string }[];
  onnxruntime: string;
  node: string;
  machine: { os: string; arch: string; cpu: string; cores: number };
  started: string;
  seconds: number;
}

function provenanceFooter(p: ProvenanceFooter): string {
  const models = p.models.map((m) => `${escapeHtml(m.path)} sha256 <code>${m.sha256.slice(0, 16)}…</code>${m.producer !== undefined ? ` (${escapeHtml(`${m.producer} ${m.producerVersion ?? ''}`.trim() || 'unknown producer')}, opset ${m.opset})` : ''}`);
  const inputs = p.inputs.filter((i) => !p.models.some((m) => m.path === i.path)).map((i) => `${escapeHtml(i.path)} <code>${i.sha256.slice(0, 16)}…</code>`);
  const lines = [
    `trustscope ${escapeHtml(p.trustscope)} · <code>trustscope ${escapeHtml([p.command, ...p.arguments.slice(1)].join(' '))}</code>${p.seed !== undefined ? ` · seed ${p.seed}` : ''}`,
    ...(models.length ? [`model: ${models.join('; ')}`] : []),
    ...(inputs.length ? [`inputs: ${inputs.join('; ')}`] : []),
    `ONNX Runtime ${escapeHtml(p.onnxruntime)} · Node ${escapeHtml(p.node)} · ${escapeHtml(`${p.machine.os}-${p.machine.arch}`)}, ${p.machine.cores} × ${escapeHtml(p.machine.cpu)} · started ${escapeHtml(p.started)}, ${formatNumber(p.seconds, 3)} s`,
    'Every option, the full hashes and the time per stage are in run.json; <code>trustscope verify FOLDER</code> re-runs it and says whether the numbers reproduce.',
  ];
  return `<footer class="provenance">${lines.map((l) => `<div>${l}</div>`).join('\n')}</footer>`;
}

/** The page with its provenance footer: in the slot, or before </body> for a page built without one. */
export function withProvenanceFooter(html: string, provenance: ProvenanceFooter): string {
  const footer = provenanceFooter(provenance);
  if (html.includes(PROVENANCE_SLOT)) return html.replace(PROVENANCE_SLOT, () => footer);
  const end = html.lastIndexOf('</body>');
  return end < 0 ? html : html.slice(0, end) + footer + '\n' + html.slice(end);
}
