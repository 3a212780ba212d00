/** Acquisition timestamps from each reader's metadata, as the readers write them (see the format tests), against Date.UTC by hand. */
import { describe, expect, it } from 'vitest';
import { acquisitionTimestamp } from '../../src/data/acquisition-timestamp.js';

describe('acquisition timestamp from file metadata', () => {
  it('reads TIFF DateTime, DM DataBar date and time, Velox acquisition start and TIA AcquireDate', () => {
    expect(acquisitionTimestamp({ tiff: { pages: 1 }, dateTime: '2024:03:01 14:05:09' })).toBe(Date.UTC(2024, 2, 1, 14, 5, 9));
    // The DM test file's fields (test/data/formats/dm.test.ts): US locale, 12-hour clock.
    expect(acquisitionTimestamp({ acquisitionDate: '7/9/2014', acquisitionTime: '6:56:37 PM', dm: { version: 4 } })).toBe(Date.UTC(2014, 6, 9, 18, 56, 37));
    expect(acquisitionTimestamp({ flavour: 'velox', acquisitionStart: '2020-09-13T12:26:40.000Z' })).toBe(Date.UTC(2020, 8, 13, 12, 26, 40));
    expect(acquisitionTimestamp({ emi: { acquireDate: 'Wed Mar 01 14:05:00 2024', date: '2024-03-01', time: '14:05:00' } })).toBe(Date.UTC(2024, 2, 1, 14, 5, 0));
  });

  it('gives undefined when the file records no time (or an unreadable one)', () => {
    expect(acquisitionTimestamp({ tiff: { pages: 1 }, software: 'ImageJ' })).toBeUndefined();
    expect(acquisitionTimestamp({ dateTime: 'yesterday' })).toBeUndefined();
  });
});
