// Connecting with a bound: a Redis that does not answer fails with a clear
// error within a few seconds, before any BullMQ object exists (a BullMQ
// object that never connected cannot be closed: ioredis keeps retrying).
import type { ConnectionOptions } from "bullmq";
import { ioredis } from "./_bullmq.ts";
import { ProcessError } from "../errors.ts";
import type { RedisOptions } from "./redis_options.ts";

/** Where Redis is: a `redis://` or `rediss://` URL, or ioredis options (credentials and TLS pass through unchanged). */
export type RedisConnection = string | RedisOptions;

/** BullMQ's connection options for `connection`. */
export function connectionOptions(
  connection: RedisConnection,
): ConnectionOptions {
  return (typeof connection === "string"
    ? { url: connection }
    : connection) as ConnectionOptions;
}

/** Where `connection` points, for messages (without credentials). */
export function redisAddress(connection: RedisConnection): string {
  if (typeof connection === "string") {
    try {
      const url = new URL(connection);
      return `${url.protocol}//${url.host}`;
    } catch {
      return "an invalid Redis URL";
    }
  }
  const options = connection as { host?: string; port?: number; url?: string };
  if (options.url !== undefined) return redisAddress(options.url);
  return `${options.host ?? "localhost"}:${options.port ?? 6379}`;
}

const sleep = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Resolves once Redis answers a PING; throws a `ProcessError` naming the
 * address (never the credentials) after `timeoutMs`.
 */
export async function probe(
  what: string,
  connection: RedisConnection,
  timeoutMs: number,
): Promise<void> {
  const Redis = await ioredis();
  const { url, ...rest } = connectionOptions(connection) as {
    url?: string;
    [key: string]: unknown;
  };
  const deadline = Date.now() + timeoutMs;
  let lastError: Error | undefined;
  while (Date.now() < deadline) {
    const once = {
      ...rest,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: Math.min(2 ** 31 - 1, Math.max(1, deadline - Date.now())),
    };
    const client = url === undefined ? new Redis(once) : new Redis(url, once);
    client.on("error", (error) => lastError = error);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      lastError ??= error as Error;
    } finally {
      client.disconnect();
    }
    await sleep(Math.min(200, deadline - Date.now()));
  }
  throw new ProcessError(
    `Cannot ${what}: Redis at ${
      redisAddress(connection)
    } did not answer within ${timeoutMs} ms${
      lastError === undefined ? "" : ` (${lastError.message})`
    }`,
    { cause: lastError },
  );
}

/** Something BullMQ made that connects, reports errors and closes. */
export interface Connecting {
  waitUntilReady(): Promise<unknown>;
  on(event: "error", listener: (error: Error) => void): unknown;
  close(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Closes `parts`, waiting at most `ms` (a client whose Redis is gone may never finish). */
export async function closeAll(
  parts: readonly Connecting[],
  ms = 2000,
): Promise<void> {
  const closed = await Promise.race([
    Promise.allSettled(parts.map((part) => part.close())).then(() => true),
    sleep(ms).then(() => false),
  ]);
  // Redis is gone: stop ioredis from reconnecting forever.
  if (!closed) {
    for (const part of parts) void part.disconnect().catch(() => {});
  }
}

/** Waits until each of `parts` is connected (after a successful probe). */
export async function readyAll(
  parts: readonly Connecting[],
  onError: (error: Error) => void,
): Promise<void> {
  for (const part of parts) part.on("error", onError);
  await Promise.all(parts.map((part) => part.waitUntilReady()));
}
