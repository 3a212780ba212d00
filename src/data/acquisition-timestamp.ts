/**
 * When was this image acquired, according to its file? The readers keep what each format records
 * (src/data/formats/): TIFF's DateTime tag ('YYYY:MM:DD HH:MM:SS'), Gatan DM's DataBar acquisition
 * date and time, a Velox EMD's acquisition start (ISO 8601), a TIA .emi's AcquireDate
 * ('Wed Mar 01 14:05:00 2024', also split into date and time). Times without a zone are read as UTC:
 * the drift check needs the order and the spacing of one instrument's images, not the wall clock.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Where each format's reader puts its timestamp, in order of preference. */
export const TIMESTAMP_SOURCES = 'TIFF DateTime, DM DataBar acquisition date/time, Velox acquisition start, TIA AcquireDate';

function parseTimestamp(key: string, value: string, parent: Record<string, unknown>): number | undefined {
  if (key === 'acquisitionStart') return Date.parse(value);
  if (key === 'dateTime') {
    const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value.trim());
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
  }
  if (key === 'acquireDate') {
    const m = /^\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(value.trim());
    const month = m ? MONTHS.indexOf(m[1]) : -1;
    return m && month >= 0 ? Date.UTC(+m[6], month, +m[2], +m[3], +m[4], +m[5]) : undefined;
  }
  if (key === 'acquisitionDate') {
    // DM writes the date and time in the acquiring computer's locale (e.g. '3/1/2024' and '2:05:00 PM').
    const time = typeof parent.acquisitionTime === 'string' ? parent.acquisitionTime : '00:00:00';
    const t = Date.parse(`${value} ${time} UTC`);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/** The acquisition time a reader's metadata records, in ms since 1970 (UTC), or undefined. */
export function acquisitionTimestamp(metadata: Readonly<Record<string, unknown>>): number | undefined {
  const stack: Record<string, unknown>[] = [metadata as Record<string, unknown>];
  const seen = new Set<unknown>();
  while (stack.length) {
    const node = stack.shift()!;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const key of ['acquisitionStart', 'dateTime', 'acquisitionDate', 'acquireDate']) {
      const v = node[key];
      if (typeof v !== 'string') continue;
      const t = parseTimestamp(key, v, node);
      if (t !== undefined && Number.isFinite(t)) return t;
    }
    for (const v of Object.values(node)) if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) stack.push(v as Record<string, unknown>);
  }
  return undefined;
}
