/** The FormatError a reader throws, checked to be one line; fails the test when it throws something else or reads. */
import { expect } from 'vitest';
import { FormatError } from '../../src/data/formats/reader.js';

export function formatError(f: () => unknown): FormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).not.toMatch(/\n/);
    return e as FormatError;
  }
  throw new Error('expected a FormatError');
}
