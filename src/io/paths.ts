/**
 * One input path → the files it names: a file is itself; a folder is its visible regular files
 * (sorted by name, not recursive); a `*`/`?` pattern in the last segment matches in its folder (sorted).
 * Node 20 has no fs.glob, and commands only need this one form.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function isPattern(path: string): boolean {
  return /[*?]/.test(basename(path));
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

async function regularFiles(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.') && keep(n)).sort();
  const out: string[] = [];
  for (const n of names) if ((await stat(join(dir, n))).isFile()) out.push(join(dir, n));
  return out;
}

/** The files a path names (see above); a folder or pattern that names none gives []. */
export async function expandPaths(path: string): Promise<string[]> {
  if (isPattern(path)) {
    const re = patternToRegExp(basename(path));
    try {
      return await regularFiles(dirname(path), (n) => re.test(n));
    } catch {
      return [];
    }
  }
  try {
    if ((await stat(path)).isDirectory()) return await regularFiles(path, () => true);
  } catch {
    // A missing file is the reader's to report, with its own one-line message.
  }
  return [path];
}
