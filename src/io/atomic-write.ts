/**
 * Atomic file writes: the bytes go to a temporary file in the target's own directory (same file
 * system, so the rename cannot degrade into a copy) and are renamed over the target only once
 * complete. A reader never sees a half-written file, and a crash leaves the old file intact.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
    await mkdir(dir, { recursive: true });
  } catch (e) {
    // mkdir -p reports EEXIST (or ENOTDIR) when a component of the directory path is a file.
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a parent of it is a file, not a directory' : fsErrorReason(e);
    throw new Error(`cannot write ${path}: ${why}`);
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
