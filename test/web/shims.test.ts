/** The browser build's stand-ins for Node built-ins (web/shims/) keep the contracts the readers rely on. */
import { describe, expect, it } from 'vitest';
import { deflateSync, inflateSync as nodeInflate } from 'node:zlib';
import { inflateSync } from '../../web/shims/zlib.js';
import { createRequire } from '../../web/shims/module.js';
import { basename, dirname, extname, join, MessageChannel } from '../../web/shims/node-only.js';

describe('web shims', () => {
  it('zlib: inflates as Node does, and refuses output past the limit like Node', () => {
    const data = new Uint8Array(5000).map((_, i) => (i * 31) % 251);
    const packed = deflateSync(data);
    expect(inflateSync(packed)).toEqual(new Uint8Array(nodeInflate(packed)));
    expect(inflateSync(packed, { maxOutputLength: 5000 })).toEqual(data);
    expect(() => nodeInflate(packed, { maxOutputLength: 4999 })).toThrow(RangeError);
    expect(() => inflateSync(packed, { maxOutputLength: 4999 })).toThrow(/larger than 4999 bytes/);
  });

  it('module: createRequire hands out utif2 (what the TIFF decoder loads) and nothing else', () => {
    const req = createRequire('file:///x.js');
    expect(typeof (req('utif2') as { decode: { _decodeLZW: unknown } }).decode._decodeLZW).toBe('function');
    expect(() => req('fs')).toThrow(/not available in the browser workbench/);
  });

  it('node-only: path helpers behave like node:path for plain names; worker threads say what to do', () => {
    expect(extname('a/b.TIF')).toBe('.TIF');
    expect(extname('.hidden')).toBe('');
    expect(basename('x/y/z.ser', '.ser')).toBe('z');
    expect(dirname('x/y/z.ser')).toBe('x/y');
    expect(join('a', 'b/', 'c')).toBe('a/b/c');
    expect(() => new MessageChannel()).toThrow(/trustscope convert --input FILE\.emd/);
  });
});
