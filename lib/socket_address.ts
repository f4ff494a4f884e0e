// Where a manager server or a `Listener` listens, or a client connects: a
// TCP endpoint, or (for `Listener` and `Client`) a Unix socket's path.

/** A TCP endpoint. */
export interface SocketAddress {
  /** A host name or IP address, e.g. "127.0.0.1". */
  readonly hostname: string;
  /** The TCP port. */
  readonly port: number;
}

/** A Unix domain socket: a path in the file system. */
export interface UnixSocketAddress {
  /** The socket file's path, e.g. "/tmp/app.sock". */
  readonly path: string;
}

/**
 * Where a `Listener` listens or a `Client` connects: a TCP endpoint (a
 * missing `hostname` is "127.0.0.1"; port 0 asks a listener for any free
 * port), or a Unix socket's path, as `{ path }` or a plain string.
 */
export type ConnectionAddress =
  | { readonly hostname?: string; readonly port?: number }
  | UnixSocketAddress
  | string;
