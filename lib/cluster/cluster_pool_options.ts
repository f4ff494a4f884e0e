/**
 * The options of `ClusterPool`.
 *
 * @module
 */
import type { RedisOptions } from "./redis_options.ts";

/** Options of `ClusterPool`. */
export interface ClusterPoolOptions {
  /** Redis: a `redis://` or `rediss://` URL, or ioredis options; credentials and TLS pass through unchanged. */
  connection: string | RedisOptions;
  /** The BullMQ queue the worker nodes serve. @default "seedmp" */
  queue?: string;
  /** BullMQ's key prefix. @default "bull" */
  prefix?: string;
  /** Workers counted for `map`'s default chunksize. @default the live nodes' total */
  processes?: number;
  /**
   * Modules whose exports go by reference: nodes import them (if on their
   * allow-list) and call the export. Other functions go as source text,
   * which only nodes started with `--allow-source` run.
   * @default []
   */
  module?: string | URL | readonly (string | URL)[];
  /** How long to wait for Redis at start. @default 5000 */
  connectTimeoutMs?: number;
  /** Pending work rejects after Redis has not answered this long. @default 30000 */
  lostTimeoutMs?: number;
}
