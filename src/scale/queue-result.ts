/** An ItemResult as the JSON a BullMQ job returns (Redis holds strings), and back. */
import type { ItemResult } from './item-rows.js';
import { decodeFloat32, encodeFloat32 } from './row-codec.js';

export interface QueuedResult {
  ids: number[];
  rowShape: number[];
  values: string;
  failures: ItemResult['failures'];
  records?: string[];
}

export function toQueued(result: ItemResult): QueuedResult {
  return { ids: result.ids, rowShape: result.rowShape, values: encodeFloat32(result.values), failures: result.failures, ...(result.records ? { records: result.records } : {}) };
}

export function fromQueued(value: unknown): ItemResult {
  const q = (typeof value === 'string' ? JSON.parse(value) : value) as QueuedResult;
  if (!q || !Array.isArray(q.ids) || typeof q.values !== 'string') throw new Error('a queue job returned something that is not a trustscope result; is another program using this queue?');
  return { ids: q.ids, rowShape: q.rowShape, values: decodeFloat32(q.values), failures: q.failures ?? [], ...(Array.isArray(q.records) ? { records: q.records } : {}) };
}

/** The queue every trustscope worker listens to (one Redis can serve several runs: job ids carry the run). */
export const QUEUE_NAME = 'trustscope';
