/** RESP replies, parsed whole or not at all (a reply split across TCP chunks waits for the rest). */
import { describe, expect, it } from 'vitest';
import { parseReply, RedisReplyError } from '../../src/scale/resp-client.js';

const parse = (text: string) => parseReply(Buffer.from(text), 0);

describe('parseReply', () => {
  it('reads every RESP2 type', () => {
    expect(parse('+OK\r\n')).toEqual({ value: 'OK', next: 5 });
    expect(parse(':42\r\n')!.value).toBe(42);
    expect(parse('$5\r\nhéll\r\n')!.value).toBe('héll');
    expect(parse('$-1\r\n')!.value).toBeNull();
    expect(parse('*3\r\n$1\r\na\r\n:2\r\n*-1\r\n')!.value).toEqual(['a', 2, null]);
    const e = parse('-NOSCRIPT No matching script\r\n')!.value;
    expect(e).toBeInstanceOf(RedisReplyError);
    expect((e as Error).message).toBe('NOSCRIPT No matching script');
  });

  it('waits for the rest of a reply cut anywhere, including inside a bulk string', () => {
    const whole = '*2\r\n$3\r\nabc\r\n$10\r\n0123456789\r\n';
    for (let cut = 0; cut < whole.length; cut++) expect(parse(whole.slice(0, cut))).toBeUndefined();
    expect(parse(whole)!.next).toBe(Buffer.byteLength(whole));
  });
});
