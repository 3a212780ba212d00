/**
 * Provenance of a workbench run, in the shape of cli/provenance.ts's record (so the same reader —
 * a person or `jq` — finds the same fields) but gathered without Node: SHA-256 by WebCrypto
 * (`crypto.subtle`, in browsers and in Node ≥ 20 alike), and the environment as the page reports it.
 * The caller supplies what only it knows (versions baked in by the build, the browser's name).
 */
import { decodeModelOrigin } from '../onnx/proto.js';
import { escapeHtml, formatNumber, PROVENANCE_SLOT } from '../report/html.js';
import type { NamedBytes } from './dropped-files.js';

/** What the page (or a test in Node) knows about where it runs. */
export interface WorkbenchEnvironment {
  readonly trustscope: string;
  readonly onnxruntime: string;
  /** e.g. "Chromium 131 (browser)" or "Node v20.19.0". */
  readonly platform: string;
  readonly os: string;
  readonly arch: string;
  readonly cores: number;
}

export interface FileRecord {
  path: string;
  bytes: number;
  sha256: string;
}

export interface WorkbenchProvenance {
  trustscope: string;
  command: string;
  options: Record<string, unknown>;
  seed: number;
  models: (FileRecord & { producer?: string; producerVersion?: string; opset?: number })[];
  inputs: FileRecord[];
  onnxruntime: string;
  platform: string;
  machine: { os: string; arch: string; cores: number };
  started: string;
  seconds: number;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function record(file: NamedBytes): Promise<FileRecord> {
  return { path: file.name, bytes: file.bytes.length, sha256: await sha256Hex(file.bytes) };
}

export async function workbenchProvenance(
  command: string,
  model: NamedBytes,
  inputs: readonly NamedBytes[],
  options: Record<string, unknown>,
  seed: number,
  env: WorkbenchEnvironment,
  started: Date,
): Promise<WorkbenchProvenance> {
  let origin = {};
  try {
    origin = decodeModelOrigin(model.bytes, model.name);
  } catch {
    // The model was decoded already; a missing producer field is not worth failing the record.
  }
  const inputRecords: FileRecord[] = [];
  for (const f of inputs) inputRecords.push(await record(f));
  return {
    trustscope: env.trustscope,
    command,
    options,
    seed,
    models: [{ ...(await record(model)), ...origin }],
    inputs: inputRecords,
    onnxruntime: env.onnxruntime,
    platform: env.platform,
    machine: { os: env.os, arch: env.arch, cores: env.cores },
    started: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
  };
}

/**
 * The report's footer for a workbench run: the same facts as a CLI run's footer (report/html.ts),
 * worded for a page made in a browser (no run.json or verify: the JSON download holds the record).
 */
export function workbenchFooter(p: WorkbenchProvenance): string {
  const file = (f: FileRecord) => `${escapeHtml(f.path)} sha256 <code>${f.sha256.slice(0, 16)}…</code>`;
  const options = Object.entries(p.options).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ');
  const lines = [
    `trustscope ${escapeHtml(p.trustscope)} · ${escapeHtml(p.command)} ${escapeHtml(options)} · seed ${p.seed}`,
    `model: ${p.models.map((m) => `${file(m)}${m.producer !== undefined ? ` (${escapeHtml(`${m.producer} ${m.producerVersion ?? ''}`.trim() || 'unknown producer')}, opset ${m.opset})` : ''}`).join('; ')}`,
    `inputs: ${p.inputs.map(file).join('; ')}`,
    `ONNX Runtime ${escapeHtml(p.onnxruntime)} · ${escapeHtml(p.platform)} · ${escapeHtml(`${p.machine.os}`)}, ${p.machine.cores} cores · started ${escapeHtml(p.started)}, ${formatNumber(p.seconds, 3)} s`,
    'Computed in the browser workbench; nothing left the machine. The full record (every option, the full hashes) is in the JSON download.',
  ];
  return `<footer class="provenance">${lines.map((l) => `<div>${l}</div>`).join('\n')}</footer>`;
}

/** The page with the workbench footer in the report's provenance slot (or before </body>). */
export function withWorkbenchFooter(html: string, p: WorkbenchProvenance): string {
  const footer = workbenchFooter(p);
  if (html.includes(PROVENANCE_SLOT)) return html.replace(PROVENANCE_SLOT, () => footer);
  const end = html.lastIndexOf('</body>');
  return end < 0 ? html + footer : html.slice(0, end) + footer + '\n' + html.slice(end);
}
