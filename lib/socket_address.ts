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
