/**
 * The audit's extra manifest columns: `group:<name>` (a further grouping of the images: session,
 * operator, microscope…) and `time` / `acquired` (when each image was taken: a number in any unit,
 * an ISO 8601 date-time, or `file` — the time the image file itself records; date-times become hours
 * since the earliest image). A file holding N frames gives N images sharing its row's values.
 */
import type { AcquisitionTime } from '../audit/check.js';
import { acquisitionTimestamp, TIMESTAMP_SOURCES } from '../data/acquisition-timestamp.js';
import { UsageError } from './errors.js';

/** A time cell that asks for the image file's own timestamp. */
export const FILE_TIME = 'file';

/** The ISO date-time an image file records (for a `file` time cell), or a one-line error naming the row. */
export function fileTime(csv: string, line: number, path: string, metadata: Readonly<Record<string, unknown>>): string {
  const t = acquisitionTimestamp(metadata);
  if (t === undefined) throw new UsageError(`${csv}:${line}: ${path} records no acquisition time (looked for ${TIMESTAMP_SOURCES}); write the time into the row instead of 'file'`);
  return new Date(t).toISOString();
}

export const TIME_COLUMNS = ['time', 'acquired'] as const;

export interface ManifestGrouping {
  readonly name: string;
  readonly ids: number[];
}

/** 'session' for a header cell 'group:session'; undefined for any other column. */
export function groupingColumnName(header: string, where: string): string | undefined {
  if (!header.startsWith('group:')) return undefined;
  const name = header.slice('group:'.length).trim();
  if (!/^[A-Za-z][\w-]*$/.test(name)) throw new UsageError(`${where}: column '${header}': a grouping column is group:<name>, the name a letter then letters, digits, '_' or '-' (e.g. group:session)`);
  return name;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * One time per image from the column's cells (each repeated for its row's frames): plain numbers are
 * kept in their own unit; ISO date-times become hours since the earliest. A mix is refused.
 */
export function acquisitionTimes(cells: readonly { text: string; line: number; frames: number }[], csv: string, column: string): AcquisitionTime {
  const numeric = cells.every((c) => c.text !== '' && Number.isFinite(Number(c.text)));
  let perRow: number[];
  let unit: string;
  if (numeric) {
    perRow = cells.map((c) => Number(c.text));
    unit = `${column} (manifest column)`;
  } else {
    const ms = cells.map((c) => {
      // A date-time without a zone is read as UTC (JavaScript would read it as the machine's local time).
      const text = c.text.replace(' ', 'T');
      const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes('T') ? text : `${text}Z`;
      const t = ISO_DATE.test(c.text) ? Date.parse(zoned) : NaN;
      if (!Number.isFinite(t)) throw new UsageError(`${csv}:${c.line}: column '${column}': '${c.text}' is neither a number nor an ISO 8601 date-time (e.g. 2024-03-01T14:05:00); give every row the same kind`);
      return t;
    });
    const first = Math.min(...ms);
    perRow = ms.map((t) => (t - first) / 3_600_000);
    unit = 'hours since the first image';
  }
  return { values: cells.flatMap((c, i) => new Array<number>(c.frames).fill(perRow[i])), unit };
}
