/**
 * The queue's address: `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). The URL
 * may carry a password, so it is only ever shown redacted (`redacted()`): in messages, progress,
 * run.json and logs.
 */
export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL with its password (and user) replaced, safe to print. */
  shown: string;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username) u.username = u.password ? u.username : '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    // Not a URL at all: show nothing of it beyond its scheme, it may still hold a secret.
    return url.includes('@') ? `${url.split('://')[0]}://***` : url;
  }
}

export function parseRedisUrl(url: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue ${redactUrl(url)} is not a URL; give redis://host:port (e.g. redis://127.0.0.1:6379)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`--queue ${redactUrl(url)}: the queue is a Redis URL, redis://host:port or rediss://host:port`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`--queue ${redactUrl(url)}: the database number after the / must be an integer ≥ 0`);
  return {
    host: u.hostname || '127.0.0.1',
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
    shown: redactUrl(url),
  };
}

/** Any `scheme://user:password@` in a text (an argument list, an error message) with the credentials replaced. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]+@/gi, '$1***@');
}
