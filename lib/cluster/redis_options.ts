/**
 * `RedisOptions`: where a ClusterPool or worker node finds Redis.
 *
 * @module
 */

/** ioredis connection options; every field passes through to the client unchanged. */
export interface RedisOptions {
  /** A `redis://` or `rediss://` URL; the other fields add to it. */
  url?: string;
  /** The server's host name. @default "localhost" */
  host?: string;
  /** The server's port. @default 6379 */
  port?: number;
  /** The ACL user name. @default undefined */
  username?: string;
  /** The password. @default undefined */
  password?: string;
  /** The database number. @default 0 */
  db?: number;
  /** TLS options (Node's `tls.connect` options). */
  tls?: Record<string, unknown>;
  /** Any other ioredis option. */
  [option: string]: unknown;
}
