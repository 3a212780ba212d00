/** Errors a user can fix get one line, no stack trace. */
export class UsageError extends Error {}

/** Parses a CLI integer option, naming the option in the error. */
export function parseInteger(name: string, min = -Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer${min > -Infinity ? ` ≥ ${min}` : ''} (got '${value}')`);
    return n;
  };
}

export function parseNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`${name} must be a number (got '${value}')`);
    return n;
  };
}
