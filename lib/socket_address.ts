// Where a manager server listens, or a client connects: a TCP endpoint.

/** A TCP endpoint. */
export interface SocketAddress {
  /** A host name or IP address, e.g. "127.0.0.1". */
  readonly hostname: string;
  /** The TCP port. */
  readonly port: number;
}
