/**
 * Berkeley EMD (emdatasets.com) for the EMD reader: finding the emd_group_type=1 groups, their
 * datasets and dimK calibration vectors, and the root groups' metadata. Separate from emd.ts (the
 * reader and public API) and emd-velox.ts so each flavour's rules sit on their own.
 */
import { H5T, decodeNumbers, type H5File } from './h5.js';
import type { Axis } from './reader.js';
import { asNumber, asString, elementType, typeDescription, type Entry } from './emd-elements.js';

/** Dataset names rosettasciio accepts inside an emd_group_type=1 group. */
const BERKELEY_NAMES = ['data', 'counted_datacube', 'datacube', 'diffractionslice', 'realslice', 'pointlistarray', 'pointlist'];

/** rsciio's reading of a Berkeley `units` attribute: '[n_m]' → 'nm', '[1/n_m]'… joined by ' * '; 'A' → 'Å'. */
export function berkeleyUnit(raw: string): string {
  let value = raw.trim();
  if (value === 'A' || value === 'A^-1') value = value.replace('A', 'Å');
  const bracketed = value.match(/\[.+?\]/g);
  if (bracketed) value = bracketed.map((u) => u.slice(1, -1).replace(/_/g, '')).join(' * ');
  return value;
}

function defaultAxisNames(rank: number): string[] {
  const tail = ['n', 'y', 'x'].slice(Math.max(0, 3 - rank));
  return [...Array.from({ length: Math.max(0, rank - 3) }, (_, i) => `d${i}`), ...tail];
}

function attr(file: H5File, path: string, name: string, names?: readonly string[]): unknown {
  const all = names ?? file.attributeNames(path);
  return all.includes(name) ? file.attribute(path, name) : undefined;
}

export function berkeleyEntries(file: H5File): Entry[] {
  const entries: Entry[] = [];
  const groups = file.paths().filter((p) => file.kind(p) === 'group');
  for (const group of ['/', ...groups]) {
    if (asNumber(attr(file, group, 'emd_group_type')) !== 1) continue;
    const children = file.children(group);
    const base = children.includes('dim0') ? 0 : 1;
    for (const name of children) {
      if (!BERKELEY_NAMES.some((n) => name.startsWith(n))) continue;
      const path = `${group === '/' ? '' : group}/${name}`;
      if (file.kind(path) !== 'dataset') continue;
      const info = file.dataset(path);
      const et = elementType(info);
      const defaults = defaultAxisNames(info.shape.length);
      const warnings: string[] = [];
      const dims: { path: string; name?: string; units?: string }[] = [];
      const axes: Axis[] = info.shape.map((size, k) => {
        const dimPath = `${group === '/' ? '' : group}/dim${k + base}`;
        if (!children.includes(`dim${k + base}`) || file.kind(dimPath) !== 'dataset') {
          warnings.push(`no ${dimPath} for axis ${k}`);
          return { name: defaults[k], size };
        }
        const dimNames = file.attributeNames(dimPath);
        const label = asString(attr(file, dimPath, 'name', dimNames))?.trim();
        const rawUnits = asString(attr(file, dimPath, 'units', dimNames));
        const unit = rawUnits === undefined ? undefined : berkeleyUnit(rawUnits);
        dims.push({ path: dimPath, name: label, units: rawUnits });
        const axis: { name: string; size: number; scale?: number; offset?: number; unit?: string } = { name: label || defaults[k], size };
        const dimInfo = file.dataset(dimPath);
        if ((dimInfo.type === H5T.INTEGER || dimInfo.type === H5T.FLOAT) && dimInfo.shape.length === 1 && dimInfo.elements >= 1) {
          const v = decodeNumbers(file.read(dimInfo), dimInfo.type, dimInfo.size, dimInfo.signed);
          if (v) {
            const values = Array.from(v as ArrayLike<number | bigint>, Number);
            axis.offset = values[0];
            if (values.length >= 2) {
              let sum = 0;
              for (let i = 1; i < values.length; i++) sum += values[i] - values[i - 1];
              axis.scale = sum / (values.length - 1);
            }
            if (values.length !== size) warnings.push(`${dimPath} has ${values.length} values for an axis of ${size}`);
          }
        }
        if (unit) axis.unit = unit;
        return axis;
      });
      entries.push({
        path,
        flavour: 'berkeley',
        shape: info.shape,
        dtype: et?.dtype ?? typeDescription(info),
        axes,
        image: info.shape.length >= 2,
        supported: et !== undefined,
        note: et ? undefined : `unsupported element type ${typeDescription(info)}`,
        info,
        et,
        warnings,
        dims,
      });
    }
  }
  return entries;
}

export function berkeleyMetadata(file: H5File, e: Entry): Record<string, unknown> {
  const root = file.attributeNames('/');
  const major = attr(file, '/', 'version_major', root);
  const minor = attr(file, '/', 'version_minor', root);
  const md: Record<string, unknown> = {};
  if (major !== undefined && minor !== undefined) md.emdVersion = `${String(major)}.${String(minor)}`;
  for (const g of ['microscope', 'sample', 'user', 'comments']) {
    if (file.kind(`/${g}`) !== 'group') continue;
    const names = file.attributeNames(`/${g}`);
    const values: Record<string, unknown> = {};
    for (const n of names) values[n] = file.attribute(`/${g}`, n);
    md[g] = values;
  }
  md.dims = e.dims;
  return md;
}
