/**
 * Whether the module at `moduleUrl` (its `import.meta.url`) is the script node was started with, so
 * a module can be both imported and run (`node dist/src/cli/flags-table.js`). npm's bin entry is a
 * symlink, so real paths are compared.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function invokedDirectly(moduleUrl: string): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
