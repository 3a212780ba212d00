/**
 * The one place queue connections are made: a new Redis connection per BullMQ object. BullMQ 6 needs
 * a Redis client from outside (ioredis or node-redis, optional peers not installed here); our RESP
 * connection (resp-client.ts) has the shape of Bun's client, so BullMQ's own Bun adapter turns it
 * into the client BullMQ uses (reconnects, Lua scripts, pipelines, transactions are the adapter's).
 */
import { createBunRedisClient } from 'bullmq';
import { RespClient } from './resp-client.js';
import type { RedisAddress } from './redis-url.js';

export type QueueConnection = ReturnType<typeof createBunRedisClient>;

export function redisConnection(address: RedisAddress): QueueConnection {
  const raw = new RespClient({
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username ? { username: address.username } : {}),
    ...(address.password ? { password: address.password } : {}),
    tls: address.tls,
  });
  const client = createBunRedisClient(raw as never);
  // A dropped connection is reported by the commands that fail on it (and the client's watchdog);
  // the adapter's 'error' event would otherwise be an uncaught exception when nobody listens.
  client.on('error', () => undefined);
  return client;
}
