/**
 * `node:module` for the browser build: the TIFF decoder loads utif2 with createRequire (it is a
 * CommonJS package); here the bundler has already imported it.
 */
import * as utif2 from 'utif2';

const MODULES: Record<string, unknown> = { utif2: (utif2 as { default?: unknown }).default ?? utif2 };

export function createRequire(_from: string): (name: string) => unknown {
  return (name) => {
    if (name in MODULES) return MODULES[name];
    throw new Error(`${name} is not available in the browser workbench`);
  };
}
