/**
 * A minimal Redis connection for BullMQ: RESP over one TCP (or TLS) socket, in the shape of Bun's
 * built-in RedisClient (`send`, `connected`, `connect`, `close`, `duplicate`, `onconnect`/`onclose`),
 * which BullMQ 6 wraps with its own adapter (reconnects, scripts, pipelines, transactions).
 *
 * Why it exists: BullMQ 6 no longer bundles a Redis client — ioredis and node-redis became optional
 * peer packages — and this project's install has neither. Everything a queue needs above the wire
 * (Lua scripts, locks, retries, stall detection, events) is BullMQ's; this file only frames commands
 * and parses replies. Replace it with ioredis when that package is installed (queue-connection.ts is
 * the one place that builds connections).
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RespOptions {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
  tls?: boolean;
}

/** An error reply from Redis ("-ERR …", "-NOSCRIPT …"): the message as Redis wrote it. */
export class RedisReplyError extends Error {}

type Reply = string | number | null | boolean | Reply[] | RedisReplyError;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const CRLF = Buffer.from('\r\n');

/** RESP's request form: an array of bulk strings. */
function encodeCommand(command: string, args: readonly unknown[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n`)];
  for (const a of [command, ...args]) {
    const bytes = Buffer.isBuffer(a) ? a : Buffer.from(typeof a === 'string' ? a : String(a));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/** Parses one reply at `at`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, at: number): { value: Reply; next: number } | undefined {
  if (at >= buf.length) return undefined;
  const end = buf.indexOf(CRLF, at);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, end);
  const after = end + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
    case '!':
      return { value: new RedisReplyError(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case ',':
      return { value: Number(line), next: after };
    case '#':
      return { value: line === 't', next: after };
    case '_':
      return { value: null, next: after };
    case '$':
    case '=': {
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      if (buf.length < after + n + 2) return undefined;
      return { value: buf.toString('utf8', after, after + n), next: after + n + 2 };
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const n = Number(line) * (type === '%' ? 2 : 1);
      if (n < 0) return { value: null, next: after };
      const items: Reply[] = [];
      let next = after;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, next);
        if (!r) return undefined;
        items.push(r.value);
        next = r.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected reply type '${type}' from Redis`);
  }
}

export class RespClient {
  connected = false;
  onconnect?: () => void;
  onclose?: (error?: Error) => void;
  onerror?: (error: Error) => void;
  private socket?: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private closing = false;

  constructor(readonly options: RespOptions) {}

  /** The same server and credentials, a new connection (BullMQ's blocking reads need their own). */
  async duplicate(): Promise<RespClient> {
    return new RespClient(this.options);
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    this.closing = false;
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      const socket = this.options.tls ? tlsConnect({ host, port, servername: host }) : tcpConnect({ host, port });
      socket.setNoDelay(true);
      const onFail = (e: Error) => reject(e);
      socket.once('error', onFail);
      socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', onFail);
        this.attach(socket);
        resolve();
      });
    });
    if (this.options.password !== undefined) await this.send('AUTH', this.options.username ? [this.options.username, this.options.password] : [this.options.password]);
    if (this.options.db) await this.send('SELECT', [String(this.options.db)]);
    this.onconnect?.();
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.connected = true;
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => this.onerror?.(e));
    socket.on('close', () => {
      const wasOpen = this.connected;
      this.connected = false;
      this.socket = undefined;
      const error = new Error('Connection closed');
      for (const p of this.pending.splice(0)) p.reject(error);
      if (wasOpen) this.onclose?.(this.closing ? undefined : error);
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let at = 0;
    for (;;) {
      const r = parseReply(this.buffer, at);
      if (!r) break;
      at = r.next;
      const p = this.pending.shift();
      if (!p) continue;
      if (r.value instanceof RedisReplyError) p.reject(r.value);
      else p.resolve(r.value);
    }
    this.buffer = at === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(at);
  }

  send(command: string, args: readonly unknown[] = []): Promise<unknown> {
    const socket = this.socket;
    if (!this.connected || !socket) return Promise.reject(new Error('Connection is closed.'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(encodeCommand(command, args));
    });
  }

  close(): void {
    this.closing = true;
    this.socket?.end();
    this.socket?.destroy();
  }
}
