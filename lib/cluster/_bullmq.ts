// Loads BullMQ and its Redis client, ioredis, on first use, so that
// importing this entry point costs nothing until a pool or node starts, and a
// missing optional peer dependency fails with a message naming the package.
import type * as BullMQ from "bullmq";

/** The BullMQ module, as `import("bullmq")` gives it. */
export type BullMQModule = typeof BullMQ;

/** The part of an ioredis client the connection probe uses. */
export interface ProbeClient {
  on(event: "error", listener: (error: Error) => void): unknown;
  connect(): Promise<void>;
  ping(): Promise<string>;
  disconnect(): void;
}

/** ioredis' client class, as far as the probe needs it. */
export type RedisConstructor = new (...args: unknown[]) => ProbeClient;

function missing(name: string, error: unknown): Error {
  return new Error(
    `Cannot use @seed/multiprocessing/cluster: the optional peer dependency "${name}" could not be loaded; install it with \`npm install bullmq ioredis\`, received ${
      (error as Error)?.message ?? error
    }`,
    { cause: error },
  );
}

/** A CommonJS module imported from ESM may put its exports on `default`. */
function unwrap<T>(module: unknown, key: string): T {
  const exports = module as Record<string, unknown>;
  return (exports[key] === undefined ? exports.default : exports) as T;
}

let redis: Promise<RedisConstructor> | null = null;
let bull: Promise<BullMQModule> | null = null;

/** ioredis' `Redis` class, loaded once. */
export function ioredis(): Promise<RedisConstructor> {
  redis ??= import("ioredis").then((module) => {
    const exports = unwrap<{ Redis?: RedisConstructor }>(module, "Redis");
    return exports.Redis ?? (exports as unknown as RedisConstructor);
  }, (error) => {
    redis = null;
    throw missing("ioredis", error);
  });
  return redis;
}

/** BullMQ, loaded once (after ioredis, which it needs). */
export function bullmq(): Promise<BullMQModule> {
  bull ??= ioredis().then(() => import("bullmq")).then(
    (module) => unwrap<BullMQModule>(module, "Queue"),
    (error) => {
      bull = null;
      throw error instanceof Error && error.message.startsWith("Cannot use")
        ? error
        : missing("bullmq", error);
    },
  );
  return bull;
}
