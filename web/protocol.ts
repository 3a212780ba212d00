/** Messages between the page (main.ts) and the compute worker (worker.ts). */
import type { OptionSpec } from '../src/options/option-spec.js';
import type { FileSummary } from '../src/web/dropped-files.js';

export interface MethodInfo {
  name: string;
  description: string;
  options: readonly OptionSpec[];
  needsLayer: boolean;
  /** The metrics that can judge this method's maps. */
  metrics: string[];
}

export interface MetricInfo {
  name: string;
  description: string;
  byDefault: boolean;
  needsMask: boolean;
}

export interface FilePayload {
  name: string;
  bytes: Uint8Array;
}

export type Request =
  | { kind: 'methods' }
  | { kind: 'inspect'; model: FilePayload; image?: FilePayload }
  | { kind: 'describe'; file: FilePayload }
  | { kind: 'explain'; model: FilePayload; images: FilePayload[]; method: string; options: Record<string, string>; normalise: string; target?: number; seed: number }
  | { kind: 'audit'; model: FilePayload; images: FilePayload[]; labels: FilePayload; roi?: FilePayload; normalise: string; seed: number }
  | { kind: 'evaluate'; model: FilePayload; images: FilePayload[]; method: string; options: Record<string, string>; metrics: string[]; roi?: FilePayload; normalise: string; target?: number; seed: number };

export type Reply =
  | { kind: 'methods'; methods: MethodInfo[]; metrics: MetricInfo[]; extensions: string[] }
  | { kind: 'inspect'; layers: string[]; inputShape: number[]; outputSize: number }
  | { kind: 'describe'; summary: FileSummary }
  | { kind: 'progress'; stage: string; fraction?: number }
  | { kind: 'done'; json: string; reportHtml: string; npy?: Uint8Array }
  | { kind: 'error'; message: string };

/** Every message carries the id of the request it belongs to, so several can be under way at once. */
export interface Envelope<T> {
  id: number;
  body: T;
}
