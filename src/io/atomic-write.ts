/**
 * Atomic file writes: the bytes go to a temporary file in the target's own directory (same file
 * system, so the rename cannot degrade into a copy) and are renamed over the target only once
 * complete. A reader never sees a half-written file, and a crash leaves the old file intact.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** A file-system error as a short phrase for one-line messages ("cannot read X: no such file"). */
export function fsErrorReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a parent of it is a file, not a directory';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return (err.message ?? String(e)).split('\n')[0];
  }
}

/** Reads a whole file; a failure becomes one line naming the file ("cannot read X: no such file"). */
export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${fsErrorReason(e)}`);
  }
}

/** Writes `data` to `path` atomically, creating missing parent directories. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await ensureDirectory(dir);
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      // Flush before the rename so that a crash cannot leave an empty file under the final name.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${fsErrorReason(e)}`);
  }
}

/**
 * mkdir -p, one level at a time. Node's own `mkdir(…, { recursive: true })` never returns on a path
 * under /proc (it retries ENOENT forever at 100% CPU), so we find the deepest existing ancestor and
 * create each missing level ourselves; every failure is one phrase naming the reason.
 */
export async function ensureDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    try {
      const s = await stat(current);
      if (!s.isDirectory()) throw new Error(current === resolve(dir) ? `${dir} is a file, not a directory` : 'a parent of it is a file, not a directory');
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new Error('a parent of it is a file, not a directory');
      if (code !== 'ENOENT') throw e instanceof Error && !code ? e : new Error(fsErrorReason(e));
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) throw new Error(`cannot create ${dir}: no existing parent`);
      current = parent;
    }
  }
  for (const level of missing.reverse()) {
    try {
      await mkdir(level);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // The parent exists (we just checked), so ENOENT means it does not take new folders (/proc, /sys).
      throw new Error(`cannot create ${level}: ${code === 'ENOENT' ? `${dirname(level)} does not allow creating folders` : fsErrorReason(e)}`);
    }
  }
}
