// Validation of ClusterPool's options, how a task function is described for
// a node (an export of a listed module, or source text), and how a chunk's
// values are encoded with the error naming the item that could not be.
import { type Encoded, encodeValue } from "./_codec.ts";
import type { RedisConnection } from "./_connect.ts";
import { moduleUrls } from "../_core/function_ref.ts";
import { describe, optionsObject, positiveInteger } from "../_core/validate.ts";
import { checkTimeout } from "../_core/timeout.ts";
import type { ClusterPoolOptions } from "./cluster_pool_options.ts";

const CLUSTER_POOL_OPTIONS = [
  "connection",
  "queue",
  "prefix",
  "processes",
  "module",
  "connectTimeoutMs",
  "lostTimeoutMs",
] as const;

/** The default queue name of pools and nodes. */
export const DEFAULT_QUEUE = "seedmp";

/** What `new ClusterPool(…)` was asked for, checked. */
export interface ParsedClusterOptions {
  connection: RedisConnection;
  queue: string;
  prefix: string | undefined;
  processes: number | undefined;
  modules: string[];
  connectTimeoutMs: number;
  lostTimeoutMs: number;
}

/** Checks the options of `new ClusterPool(options)`. */
export function parseClusterOptions(
  options: ClusterPoolOptions,
): ParsedClusterOptions {
  const what = "create ClusterPool";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${what}: options with a "connection" are required, received ${
        describe(options)
      }`,
    );
  }
  const opts = optionsObject(what, options, CLUSTER_POOL_OPTIONS);
  const { connection, queue = DEFAULT_QUEUE, prefix, processes } = opts;
  if (
    typeof connection !== "string" &&
    (typeof connection !== "object" || connection === null)
  ) {
    throw new TypeError(
      `Cannot ${what}: "connection" must be a redis:// URL or ioredis options, received ${
        describe(connection)
      }`,
    );
  }
  for (const [name, value] of [["queue", queue], ["prefix", prefix]]) {
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new TypeError(
        `Cannot ${what}: "${name}" must be a non-empty string, received ${
          describe(value)
        }`,
      );
    }
  }
  return {
    connection,
    queue: queue as string,
    prefix,
    processes: processes === undefined || processes === null
      ? undefined
      : positiveInteger(what, "processes", processes),
    modules: moduleUrls(what, opts.module),
    connectTimeoutMs: checkTimeout(what, opts.connectTimeoutMs) ?? 5000,
    lostTimeoutMs: checkTimeout(what, opts.lostTimeoutMs) ?? 30_000,
  };
}

/**
 * Encodes `values` (items `start…` of the input, or the arguments of one
 * call); a value that cannot cross machines is named in the `TypeError`.
 */
export function encodeChunk(
  name: string,
  values: readonly unknown[],
  start: number,
  whole: unknown = values,
): Encoded {
  try {
    return encodeValue(name, whole);
  } catch (error) {
    for (let i = 0; i < values.length; i++) {
      encodeValue(`${name}[${start + i}]`, values[i]);
    }
    throw error;
  }
}
