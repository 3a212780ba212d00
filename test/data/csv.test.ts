import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';

const cells = (text: string) => parseCsv(text, 'm.csv').map((r) => r.cells);

describe('parseCsv (RFC 4180)', () => {
  it('splits records and fields; CRLF, LF and CR line ends; a final line end or none', () => {
    expect(cells('a,b\r\n1,2\r\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(cells('a,b\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
    expect(cells('a,b\r1,2\r')).toEqual([['a', 'b'], ['1', '2']]);
    expect(cells('a,,c\n,,\n')).toEqual([['a', '', 'c'], ['', '', '']]);
  });

  it('quoted fields keep commas, line breaks and doubled quotes; the row keeps the line it starts on', () => {
    const rows = parseCsv('path,label\n"a,b.png",1\n"two\r\nlines.tif",2\n"say ""hi"".png",3\n', 'm.csv');
    expect(rows.map((r) => r.cells)).toEqual([['path', 'label'], ['a,b.png', '1'], ['two\r\nlines.tif', '2'], ['say "hi".png', '3']]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 5]);
    expect(cells('""\n"",""')).toEqual([[''], ['', '']]);
  });

  it('drops a byte-order mark and blank lines, keeping line numbers true', () => {
    const rows = parseCsv('\ufeffpath\n\nx.png\n\r\ny.png\n', 'm.csv');
    expect(rows).toEqual([{ line: 1, cells: ['path'] }, { line: 3, cells: ['x.png'] }, { line: 5, cells: ['y.png'] }]);
  });

  it('malformed quoting is an error naming the line', () => {
    expect(() => parseCsv('path\n"x.png\n', 'm.csv')).toThrow(/^m\.csv:2: a quoted field is not closed/);
    expect(() => parseCsv('path\nx"y.png\n', 'm.csv')).toThrow(/^m\.csv:2: a quote inside an unquoted field/);
    expect(() => parseCsv('path\n"x"y.png\n', 'm.csv')).toThrow(/^m\.csv:2: text after a closing quote/);
  });
});
