/**
 * `--groups`: one grouping (`G.npy`, the specimen ids, as before) or several named ones
 * (`specimen=G.npy,session=S.npy,operator=O.npy`). The leakage check and the confounder probe test
 * every grouping; the first is the specimen grouping the other checks (and tiles) use.
 */
import { UsageError } from './errors.js';

export interface GroupingFile {
  readonly name: string;
  readonly file: string;
}

/** The grouping name of a plain `--groups G.npy`. */
export const DEFAULT_GROUPING = 'specimen';

export function parseGroupsFlag(value: string | undefined): GroupingFile[] {
  if (value === undefined) return [];
  // No '=' at all: one file, whose name may itself hold commas.
  if (!value.includes('=')) return [{ name: DEFAULT_GROUPING, file: value }];
  const out: GroupingFile[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const file = part.slice(eq + 1).trim();
    if (eq < 0 || !/^[A-Za-z][\w-]*$/.test(name) || !file) {
      throw new UsageError(`--groups takes G.npy or name=G.npy,name2=H.npy (e.g. specimen=specimens.npy,session=sessions.npy); '${part}' is not name=FILE`);
    }
    if (out.some((g) => g.name === name)) throw new UsageError(`--groups names '${name}' twice; give each grouping once`);
    out.push({ name, file });
  }
  return out;
}
