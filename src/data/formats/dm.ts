/**
 * Gatan DigitalMicrograph DM3/DM4 tag files: the tag tree, parsed defensively.
 *
 * Layout (DM3 uses 4-byte counts and lengths, DM4 8-byte ones; every count, length and type code is
 * big-endian, the tag values themselves are in the byte order the header names):
 *
 *   header      version (4, BE: 3 or 4) · file size (4 | 8) · byte-order flag (4, BE: 1 = little)
 *   root group  sorted (1) · open (1) · tag count (4 | 8)
 *   tag         kind (1: 20 group, 21 data) · name length (2, BE) · name · [DM4: tag size (8)]
 *   group tag   sorted (1) · open (1) · tag count (4 | 8) · tags…
 *   data tag    '%%%%' · info length n (4 | 8) · n info words (4 | 8 each) · value
 *
 * The info words describe the value's type: a simple code (2 int16, 3 int32, 4 uint16, 5 uint32,
 * 6 float32, 7 float64, 8 bool, 9 int8, 10 uint8, 11 int64, 12 uint64), 18 string [18, length],
 * 15 struct [15, name length, field count, (field name length, field type)…] or 20 array
 * [20, element type…, length]. Arrays of uint16 are text (UTF-16 code units).
 *
 * Nothing large is copied: arrays longer than `SUMMARY_LIMIT` (the image data above all) become an
 * `DmArrayRef` naming where they are, every count is checked against the bytes left before anything
 * is allocated or looped over, and group nesting is bounded. Every failure is one `FormatError`
 * naming the tag path and byte offset.
 */
import { FormatError, checkClaimedSize } from './reader.js';
import { SIMPLE_TYPES, type DmArrayRef, type DmFile, type DmGroup, type DmTag, type DmValue, type TypeDef } from './dm-types.js';

export { SIMPLE_TYPES, type DmArrayRef, type DmFile, type DmGroup, type DmTag, type DmValue } from './dm-types.js';

/** Arrays up to this many elements are read into the tree; longer ones are summarised. */
export const SUMMARY_LIMIT = 64;
/** Text (uint16 arrays) up to this many characters is decoded. */
const TEXT_LIMIT = 1 << 20;
const MAX_GROUP_DEPTH = 64;
/** Real files hold thousands of tags; a million tiny ones would only inflate memory (~100× their bytes). */
const MAX_TAGS = 1_000_000;
const MAX_TYPE_DEPTH = 8;

class Parser {
  private readonly view: DataView;
  private pos = 0;
  private tags = 0;
  private readonly wide: boolean;
  littleEndian = true;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
    readonly version: 3 | 4,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.wide = version === 4;
  }

  fail(problem: string, path: string, at = this.pos): never {
    throw new FormatError(this.source, problem, `${path || 'root'}, byte ${at}`);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  need(n: number, path: string, what: string): void {
    if (n > this.remaining) this.fail(`the file is truncated: ${what} needs ${n} bytes but only ${this.remaining} are left`, path);
  }

  u8(path: string, what: string): number {
    this.need(1, path, what);
    return this.bytes[this.pos++];
  }

  u16be(path: string, what: string): number {
    this.need(2, path, what);
    const v = this.view.getUint16(this.pos, false);
    this.pos += 2;
    return v;
  }

  u32be(path: string, what: string): number {
    this.need(4, path, what);
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }

  /** A count, length or type code: 4 bytes in DM3, 8 in DM4, always big-endian. */
  word(path: string, what: string): number {
    if (!this.wide) return this.u32be(path, what);
    this.need(8, path, what);
    const v = this.view.getBigUint64(this.pos, false);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is impossibly large (${v})`, path);
    this.pos += 8;
    return Number(v);
  }

  skip(n: number): void {
    this.pos += n;
  }

  at(): number {
    return this.pos;
  }

  text(length: number, path: string): string {
    this.need(length, path, 'a tag name');
    const raw = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return decodeText(raw);
  }

  group(path: string, depth: number): DmGroup {
    if (depth > MAX_GROUP_DEPTH) this.fail(`tag groups are nested more than ${MAX_GROUP_DEPTH} deep`, path);
    this.need(2, path, 'a tag group header');
    this.skip(2); // sorted, open
    const start = this.pos;
    const count = this.word(path, 'the tag count');
    // The smallest tag is a kind byte and a two-byte name length; more than that cannot fit.
    if (count * 3 > this.remaining) this.fail(`the group claims ${count} tags but only ${this.remaining} bytes are left`, path, start);
    const tags: DmTag[] = [];
    for (let i = 0; i < count; i++) tags.push(this.tag(path, i, depth));
    return { kind: 'group', tags };
  }

  tag(parent: string, index: number, depth: number): DmTag {
    const offset = this.pos;
    if (++this.tags > MAX_TAGS) this.fail(`the file holds more than ${MAX_TAGS} tags`, parent);
    const kind = this.u8(parent, 'a tag header');
    const nameLength = this.u16be(parent, 'a tag header');
    const name = this.text(nameLength, parent);
    const path = `${parent ? `${parent}/` : ''}${name === '' ? index : printable(name)}`;
    if (this.wide) {
      this.need(8, path, 'the tag size');
      this.skip(8);
    }
    if (kind === 20) return { name, path, offset, value: this.group(path, depth + 1) };
    if (kind === 21) return { name, path, offset, value: this.data(path) };
    return this.fail(`unknown tag kind ${kind} (expected 20 for a group or 21 for data)`, parent, offset);
  }

  data(path: string): DmValue {
    const delimiter = this.pos;
    this.need(4, path, 'the data tag marker');
    if (this.bytes[this.pos] !== 0x25 || this.bytes[this.pos + 1] !== 0x25 || this.bytes[this.pos + 2] !== 0x25 || this.bytes[this.pos + 3] !== 0x25) {
      this.fail(`a data tag does not start with '%%%%'`, path, delimiter);
    }
    this.skip(4);
    const infoAt = this.pos;
    const n = this.word(path, 'the type description length');
    const width = this.wide ? 8 : 4;
    if (n === 0 || n * width > this.remaining) this.fail(`impossible type description length ${n}`, path, infoAt);
    const info: number[] = [];
    for (let i = 0; i < n; i++) info.push(this.word(path, 'the type description'));
    const cursor = { i: 0 };
    const def = this.typeDef(info, cursor, path, infoAt, 0);
    if (cursor.i !== info.length) this.fail(`the type description has ${info.length} words but its type uses ${cursor.i}`, path, infoAt);
    const valueAt = this.pos;
    const isImageData = /(^|\/)ImageData\/Data$/.test(path);
    if (def.t === 'array') checkClaimedSize(this.source, def.length, def.element.size, this.remaining, `${path}, byte ${valueAt}`);
    else this.need(def.size, path, `a ${def.name} value`);
    return this.value(def, path, isImageData);
  }

  private typeDef(info: readonly number[], cursor: { i: number }, path: string, at: number, depth: number): TypeDef {
    if (depth > MAX_TYPE_DEPTH) this.fail(`the type description nests arrays more than ${MAX_TYPE_DEPTH} deep`, path, at);
    const next = (what: string): number => {
      if (cursor.i >= info.length) this.fail(`the type description ends early (missing ${what})`, path, at);
      return info[cursor.i++];
    };
    const code = next('the type code');
    const simple = SIMPLE_TYPES[code];
    if (simple) return { t: 'simple', code, size: simple.size, name: simple.name };
    if (code === 18) {
      const length = next('the string length');
      return { t: 'string', size: length, name: 'string' };
    }
    if (code === 15) {
      next('the struct name length');
      const count = next('the struct field count');
      if (count * 2 > info.length - cursor.i) this.fail(`a struct claims ${count} fields but the type description has room for fewer`, path, at);
      const fields: TypeDef[] = [];
      let size = 0;
      for (let f = 0; f < count; f++) {
        next('a struct field name length');
        const fieldCode = next('a struct field type');
        const field = SIMPLE_TYPES[fieldCode];
        if (!field) this.fail(`struct field type ${fieldCode} is not supported (only simple numeric types are)`, path, at);
        fields.push({ t: 'simple', code: fieldCode, size: field.size, name: field.name });
        size += field.size;
      }
      return { t: 'struct', fields, size, name: `struct(${fields.map((x) => x.name).join(',')})` };
    }
    if (code === 20) {
      const element = this.typeDef(info, cursor, path, at, depth + 1);
      const length = next('the array length');
      const size = length * element.size;
      if (!Number.isSafeInteger(size)) this.fail(`an array of ${length} elements is impossibly large`, path, at);
      return { t: 'array', element, length, size, name: element.t === 'simple' ? element.name : element.t };
    }
    return this.fail(`unknown type code ${code} in the type description`, path, at);
  }

  private simple(code: number): number | boolean {
    const le = this.littleEndian;
    const v = this.view;
    const p = this.pos;
    switch (code) {
      case 2: return v.getInt16(p, le);
      case 3: return v.getInt32(p, le);
      case 4: return v.getUint16(p, le);
      case 5: return v.getUint32(p, le);
      case 6: return v.getFloat32(p, le);
      case 7: return v.getFloat64(p, le);
      case 8: return v.getUint8(p) !== 0;
      case 9: return v.getInt8(p);
      case 10: return v.getUint8(p);
      case 11: return Number(v.getBigInt64(p, le));
      default: return Number(v.getBigUint64(p, le));
    }
  }

  /** Reads a value whose total size has been checked against the bytes left. */
  private value(def: TypeDef, path: string, keepInFile: boolean): DmValue {
    if (def.t === 'simple') {
      const x = this.simple(def.code);
      this.pos += def.size;
      return x;
    }
    if (def.t === 'string') {
      // Fixed-length C text: the NULs that pad it are not part of it.
      const s = decodeText(this.bytes.subarray(this.pos, this.pos + def.size)).replace(/\0+$/, '');
      this.pos += def.size;
      return s;
    }
    if (def.t === 'struct') return def.fields.map((f) => this.value(f, path, false));
    const { element, length } = def;
    const ref: DmArrayRef = { kind: 'array-ref', element: element.name, length, elementSize: element.size, offset: this.pos };
    if (keepInFile || element.size === 0) {
      this.pos += def.size;
      return ref;
    }
    if (element.t === 'simple' && element.code === 4 && length <= TEXT_LIMIT) {
      const codes = new Array<number>(length);
      for (let i = 0; i < length; i++) codes[i] = this.view.getUint16(this.pos + 2 * i, this.littleEndian);
      this.pos += def.size;
      let s = '';
      for (let i = 0; i < length; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
      return s;
    }
    if (length > SUMMARY_LIMIT) {
      this.pos += def.size;
      return ref;
    }
    const out: DmValue[] = [];
    for (let i = 0; i < length; i++) out.push(this.value(element, path, false));
    return out;
  }
}

/** A tag name as it may appear in a one-line message: control characters escaped, long names cut. */
function printable(name: string): string {
  const clean = name.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}

/** UTF-8 when it is valid, Latin-1 otherwise (older DM files write Latin-1 names). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const LATIN1 = new TextDecoder('latin1');

function decodeText(raw: Uint8Array): string {
  try {
    return UTF8.decode(raw);
  } catch {
    return LATIN1.decode(raw);
  }
}

/** The version word of a DM file (3 or 4), or 0 when the bytes do not start like one. */
export function dmVersion(head: Uint8Array): 0 | 3 | 4 {
  if (head.length < 16) return 0;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = v.getUint32(0, false);
  if (version !== 3 && version !== 4) return 0;
  const flagAt = version === 3 ? 8 : 12;
  const order = v.getUint32(flagAt, false);
  if (order !== 0 && order !== 1) return 0;
  const sorted = head[flagAt + 4];
  const open = head[flagAt + 5];
  return sorted <= 1 && open <= 1 ? version : 0;
}

export function parseDm(bytes: Uint8Array, source: string): DmFile {
  if (bytes.length < 4) throw new FormatError(source, `is not a DigitalMicrograph file (${bytes.length} bytes)`, 'byte 0');
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (version !== 3 && version !== 4) throw new FormatError(source, `DigitalMicrograph version ${version} is not supported (DM3 and DM4 are)`, 'byte 0');
  const p = new Parser(bytes, source, version);
  p.skip(4);
  p.word('header', 'the file size');
  const orderAt = p.at();
  const order = p.u32be('header', 'the byte-order flag');
  if (order !== 0 && order !== 1) p.fail(`the byte-order flag is ${order} (expected 0 for big- or 1 for little-endian)`, 'header', orderAt);
  p.littleEndian = order === 1;
  const root = p.group('', 0);
  return { version, littleEndian: p.littleEndian, root };
}

export function isGroup(v: DmGroup | DmValue | undefined): v is DmGroup {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as DmGroup).kind === 'group';
}

export function isArrayRef(v: DmGroup | DmValue | undefined): v is DmArrayRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as DmArrayRef).kind === 'array-ref';
}

/** The tag at a path of names below a group; of repeated names the last, as rosettasciio keeps it. */
export function findTag(group: DmGroup, ...names: string[]): DmTag | undefined {
  let g: DmGroup = group;
  let found: DmTag | undefined;
  for (let i = 0; i < names.length; i++) {
    found = undefined;
    for (let k = g.tags.length - 1; k >= 0 && !found; k--) if (g.tags[k].name === names[i]) found = g.tags[k];
    if (!found) return undefined;
    if (i < names.length - 1) {
      if (!isGroup(found.value)) return undefined;
      g = found.value;
    }
  }
  return found;
}

export function tagValue(group: DmGroup, ...names: string[]): DmGroup | DmValue | undefined {
  return findTag(group, ...names)?.value;
}

function setKey(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The tag tree as plain JSON-able data: a group of unnamed tags becomes an array, any other group an
 * object (unnamed tags keyed by their index); arrays left in the file become
 * `{ array: type, length, offset }`.
 */
export function dmToObject(value: DmGroup | DmValue): unknown {
  if (isGroup(value)) {
    if (value.tags.length > 0 && value.tags.every((t) => t.name === '')) return value.tags.map((t) => dmToObject(t.value));
    const out: Record<string, unknown> = {};
    value.tags.forEach((t, i) => setKey(out, t.name === '' ? String(i) : t.name, dmToObject(t.value)));
    return out;
  }
  if (isArrayRef(value)) return { array: value.element, length: value.length, offset: value.offset };
  if (Array.isArray(value)) return value.map((v) => dmToObject(v as DmValue));
  return value;
}
