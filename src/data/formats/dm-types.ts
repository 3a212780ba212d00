/**
 * The DM3/DM4 tag tree's data model (groups, tags, values, arrays left in the file) and the table of
 * DM type codes the parser decodes values by. Separate from dm.ts (the parser and tree helpers) so
 * the shapes and the type table can be read apart from the byte-level parsing.
 */

/** A numeric array left in the file: where it is and what it holds. */
export interface DmArrayRef {
  readonly kind: 'array-ref';
  /** 'int16', 'float32', … for simple elements; 'struct(float32,float32)', 'string', 'array' otherwise. */
  readonly element: string;
  readonly length: number;
  /** Bytes per element. */
  readonly elementSize: number;
  /** Absolute byte offset of the first element. */
  readonly offset: number;
}

export type DmValue = number | boolean | string | DmArrayRef | readonly DmValue[];

export interface DmGroup {
  readonly kind: 'group';
  readonly tags: readonly DmTag[];
}

export interface DmTag {
  /** The tag's name; '' for the unnamed tags DM uses as list entries (ImageList, Dimensions…). */
  readonly name: string;
  /** Slash-separated path from the root; unnamed tags appear as their index in the group. */
  readonly path: string;
  /** Byte offset of the tag's header. */
  readonly offset: number;
  readonly value: DmGroup | DmValue;
}

export interface DmFile {
  readonly version: 3 | 4;
  readonly littleEndian: boolean;
  readonly root: DmGroup;
}

interface SimpleType {
  readonly name: string;
  readonly size: number;
}

export const SIMPLE_TYPES: Readonly<Record<number, SimpleType>> = {
  2: { name: 'int16', size: 2 },
  3: { name: 'int32', size: 4 },
  4: { name: 'uint16', size: 2 },
  5: { name: 'uint32', size: 4 },
  6: { name: 'float32', size: 4 },
  7: { name: 'float64', size: 8 },
  8: { name: 'bool', size: 1 },
  9: { name: 'int8', size: 1 },
  10: { name: 'uint8', size: 1 },
  11: { name: 'int64', size: 8 },
  12: { name: 'uint64', size: 8 },
};

export type TypeDef =
  | { readonly t: 'simple'; readonly code: number; readonly size: number; readonly name: string }
  | { readonly t: 'string'; readonly size: number; readonly name: string }
  | { readonly t: 'struct'; readonly fields: readonly TypeDef[]; readonly size: number; readonly name: string }
  | { readonly t: 'array'; readonly element: TypeDef; readonly length: number; readonly size: number; readonly name: string };
