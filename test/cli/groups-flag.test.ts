/** --groups: one plain file (the specimen ids, as before) or several named groupings. */
import { describe, expect, it } from 'vitest';
import { parseGroupsFlag } from '../../src/cli/groups-flag.js';
import { UsageError } from '../../src/cli/errors.js';

describe('--groups', () => {
  it('a plain file is the specimen grouping, commas and all', () => {
    expect(parseGroupsFlag('g.npy')).toEqual([{ name: 'specimen', file: 'g.npy' }]);
    expect(parseGroupsFlag('a,b.npy')).toEqual([{ name: 'specimen', file: 'a,b.npy' }]);
    expect(parseGroupsFlag(undefined)).toEqual([]);
  });

  it('named groupings keep their order (the first is the specimen grouping the other checks use)', () => {
    expect(parseGroupsFlag('session=s.npy, specimen=g.npy')).toEqual([
      { name: 'session', file: 's.npy' },
      { name: 'specimen', file: 'g.npy' },
    ]);
  });

  it('refuses a part that is not name=FILE, or a name given twice, with the fix', () => {
    expect(() => parseGroupsFlag('session=s.npy,o.npy')).toThrow(UsageError);
    expect(() => parseGroupsFlag('session=s.npy,o.npy')).toThrow(/'o.npy' is not name=FILE/);
    expect(() => parseGroupsFlag('session=')).toThrow(/name=G.npy/);
    expect(() => parseGroupsFlag('a=x.npy,a=y.npy')).toThrow(/names 'a' twice/);
  });
});
