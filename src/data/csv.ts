/**
 * CSV text → rows of cells, by RFC 4180: comma-separated; a field may be quoted with double quotes,
 * and inside quotes a doubled quote is one quote and commas and line breaks are data. Line ends may
 * be CRLF, LF or CR; a UTF-8 byte-order mark (Excel writes one) is dropped; blank lines are skipped.
 * Each row keeps the line it starts on, so a caller can say "manifest.csv:7: …". Malformed quoting
 * is an error naming the line, never guessed around: a misread manifest would mislabel images.
 */

export interface CsvRow {
  /** 1-based line of the file on which the row starts. */
  readonly line: number;
  readonly cells: readonly string[];
}

export function parseCsv(text: string, source: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let i = 0;
  let line = 1;
  while (i < s.length) {
    const start = line;
    const from = i;
    const cells: string[] = [];
    // One record: fields until a line end outside quotes, or the end of the text.
    for (;;) {
      let cell = '';
      if (s[i] === '"') {
        i++;
        for (;;) {
          if (i >= s.length) throw new Error(`${source}:${start}: a quoted field is not closed (a '"' is missing)`);
          const ch = s[i];
          if (ch === '"') {
            if (s[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n' || (ch === '\r' && s[i + 1] !== '\n')) line++;
          cell += ch;
          i++;
        }
        if (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          throw new Error(`${source}:${line}: text after a closing quote; quote the whole field and double the quotes inside it ("a ""b"" c")`);
        }
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          if (s[i] === '"') throw new Error(`${source}:${line}: a quote inside an unquoted field; quote the whole field and double the quotes inside it ("a ""b"" c")`);
          cell += s[i++];
        }
      }
      cells.push(cell);
      if (s[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // A blank line holds nothing at all ('""' alone is a row with one empty field).
    const blank = i === from;
    // The line end (CRLF, LF or CR) or the end of the text.
    if (s[i] === '\r') i++;
    if (s[i] === '\n') i++;
    line++;
    if (!blank) rows.push({ line: start, cells });
  }
  return rows;
}
