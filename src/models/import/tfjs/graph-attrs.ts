/**
 * Reading tfjs-converter GraphDef JSON: nodes, their inputs ("name", "name:1", "^control") and
 * attributes in proto3 JSON form (int64 as strings, strings as base64, lists under `list`).
 */

export interface GraphNodeDef {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, AttrValue>>;
}

export interface AttrValue {
  readonly s?: string;
  readonly i?: string | number;
  readonly f?: number;
  readonly b?: boolean;
  readonly type?: string;
  readonly shape?: { readonly dim?: readonly { readonly size?: string | number }[]; readonly unknownRank?: boolean };
  readonly list?: { readonly i?: readonly (string | number)[]; readonly s?: readonly string[]; readonly f?: readonly number[] };
}

function decodeBase64(s: string): string {
  // atob exists in Node ≥ 16 and in browsers (the workbench shares src/).
  return atob(s);
}

export function attrString(node: GraphNodeDef, key: string, fallback: string): string {
  const a = node.attr?.[key];
  return a?.s === undefined ? fallback : decodeBase64(a.s);
}

export function attrInt(node: GraphNodeDef, key: string, fallback: number): number {
  const a = node.attr?.[key];
  return a?.i === undefined ? fallback : Number(a.i);
}

export function attrFloat(node: GraphNodeDef, key: string, fallback: number): number {
  const a = node.attr?.[key];
  return a?.f === undefined ? fallback : Number(a.f);
}

export function attrBool(node: GraphNodeDef, key: string, fallback: boolean): boolean {
  const a = node.attr?.[key];
  return a?.b === undefined ? fallback : Boolean(a.b);
}

export function attrInts(node: GraphNodeDef, key: string): number[] | undefined {
  const a = node.attr?.[key];
  return a?.list ? (a.list.i ?? []).map(Number) : undefined;
}

export function attrStrings(node: GraphNodeDef, key: string): string[] {
  return (node.attr?.[key]?.list?.s ?? []).map(decodeBase64);
}

/** A Placeholder's shape (−1 for unknown dims), or undefined when its rank is unknown. */
export function attrShape(node: GraphNodeDef, key: string): number[] | undefined {
  const s = node.attr?.[key]?.shape;
  if (!s || s.unknownRank) return undefined;
  return (s.dim ?? []).map((d) => Number(d.size ?? -1));
}

/** An input reference: value name and output index; control inputs ("^x") are dropped by the caller. */
export function parseInput(ref: string): { node: string; index: number } {
  const colon = ref.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(ref.slice(colon + 1))) return { node: ref.slice(0, colon), index: Number(ref.slice(colon + 1)) };
  return { node: ref, index: 0 };
}

/** Spatial [h, w] of an NHWC 4-list attribute (strides, ksize, dilations). */
export function spatialPair(node: GraphNodeDef, key: string, fallback: number, where: string): [number, number] {
  const v = attrInts(node, key);
  if (!v || v.length === 0) return [fallback, fallback];
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) throw new Error(`${where}: ${key} ${JSON.stringify(v)} must be [1, h, w, 1] (NHWC)`);
  return [v[1], v[2]];
}
