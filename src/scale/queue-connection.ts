/**
 * The one place queue connections are made: a new ioredis connection per BullMQ object (BullMQ 6
 * takes its Redis client from outside; ioredis is the client it is developed against).
 *
 * - `maxRetriesPerRequest: null`: BullMQ's workers block on Redis and must never have a command
 *   abandoned under them; ioredis keeps reconnecting (its default back-off) while Redis is away.
 * - `enableOfflineQueue: false`: while Redis is away commands fail at once instead of piling up, so
 *   the client's watchdog (queue-client.ts) decides when to give up, with a sentence.
 */
import { Redis } from 'ioredis';
import type { RedisAddress } from './redis-url.js';

export type QueueConnection = Redis;

export function redisConnection(address: RedisAddress): QueueConnection {
  const client = new Redis({
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username ? { username: address.username } : {}),
    ...(address.password ? { password: address.password } : {}),
    ...(address.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
  // A dropped connection is reported by the commands that fail on it (and the client's watchdog);
  // an 'error' event nobody listens to would otherwise be an uncaught exception.
  client.on('error', () => undefined);
  return client;
}
