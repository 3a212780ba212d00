/** Queue URLs: parsed into host, port, db and credentials; shown and logged only without the password. */
import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactCredentials, redactUrl } from '../../src/scale/redis-url.js';

describe('redis URLs', () => {
  it('parses host, port, database and credentials', () => {
    const a = parseRedisUrl('redis://alice:s3cr%40t@queue.lab:6380/2');
    expect(a).toMatchObject({ host: 'queue.lab', port: 6380, db: 2, username: 'alice', password: 's3cr@t', tls: false });
    expect(a.shown).not.toContain('s3cr');
    expect(parseRedisUrl('rediss://h').port).toBe(6379);
    expect(parseRedisUrl('rediss://h').tls).toBe(true);
  });

  it('never shows a password', () => {
    expect(redactUrl('redis://:hunter2@h:1')).toBe('redis://:***@h:1');
    expect(redactUrl('redis://bob:hunter2@h:1')).toBe('redis://bob:***@h:1');
    expect(redactCredentials('explain --queue redis://bob:hunter2@h:1 --out x')).toBe('explain --queue redis://***@h:1 --out x');
    expect(() => parseRedisUrl('http://bob:hunter2@h')).toThrow(/^--queue http:\/\/bob:\*\*\*@h: the queue is a Redis URL/);
  });
});
