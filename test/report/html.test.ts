import { describe, expect, it } from 'vitest';
import { escapeHtml, figure, formatNumber, grid, htmlPage, raw, section, table } from '../../src/report/html.js';

describe('html helpers', () => {
  it('escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('formats numbers compactly', () => {
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.62734)).toBe('0.627');
    expect(formatNumber(109.34)).toBe('109');
    expect(formatNumber(0.00012)).toBe('1.20e-4');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(0.5, 1)).toBe('0.5');
  });

  it('builds tables with formatted, right-aligned numbers and escaped text', () => {
    const html = table(['method', 'ratio'], [['saliency <abs>', 3.2345], ['occlusion', null], ['raw', raw('<b>x</b>')] as const]);
    expect(html).toContain('<th scope="col">method</th>');
    expect(html).toContain('<th scope="row">saliency &lt;abs&gt;</th><td class="num">3.23</td>');
    expect(html).toContain('<td>—</td>');
    expect(html).toContain('<td><b>x</b></td>');
  });

  it('only accepts data URIs for figures', () => {
    const html = figure('data:image/png;base64,AAAA', 'a & b', { width: 120.4 });
    expect(html).toBe('<figure><img src="data:image/png;base64,AAAA" alt="a &amp; b" width="120"><figcaption>a &amp; b</figcaption></figure>');
    expect(() => figure('https://example.org/x.png', 'remote')).toThrow(/data: URIs/);
  });

  it('wraps sections, grids and pages', () => {
    expect(section('A <b>', '<p>x</p>', { id: 'a' })).toBe('<section id="a">\n<h2>A &lt;b&gt;</h2>\n<p>x</p>\n</section>');
    expect(grid(['<i>1</i>', '<i>2</i>'], 2)).toContain('style="--columns:2"');
    const page = htmlPage({ title: 'T & U', body: '<p>hi</p>', css: '.x{color:red}' });
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('<title>T &amp; U</title>');
    expect(page).toContain('.x{color:red}</style>');
    expect(page).not.toMatch(/https?:\/\//);
  });
});
