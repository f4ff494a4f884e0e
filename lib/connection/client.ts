/**
 * `Client()`: connects to a `Listener` over TCP or a Unix socket, like
 * Python's `multiprocessing.connection.Client`.
 *
 * @module
 */
import { runtime } from "../_runtime/mod.ts";
import { Adopted } from "../_core/shared.ts";
import { optionsObject } from "../_core/validate.ts";
import { AuthenticationError, ProcessError } from "../errors.ts";
import { clientHandshake } from "./_handshake.ts";
import {
  checkAddress,
  checkAuthkey,
  checkHandshakeTimeout,
  whereOf,
} from "./_options.ts";
import type { ConnectionAddress } from "../socket_address.ts";
import { CONNECTION_VERSION, Peer } from "./_peer.ts";
import { SocketConnection } from "./socket_connection.ts";

/** Options of {@linkcode Client}. */
export interface ClientOptions {
  /**
   * The listener's key (HMAC-SHA256 challenge, both ways).
   * @default currentProcess().authkey
   */
  authkey?: string | Uint8Array;
  /** Milliseconds the listener has to complete the handshake. @default 3000 */
  handshakeTimeout?: number;
}

const KNOWN = ["authkey", "handshakeTimeout"] as const;

function versionError(where: string, theirs: unknown): ProcessError {
  const speaks = typeof theirs === "number"
    ? "a manager server, not a Listener"
    : `a Listener of protocol ${
      String(theirs)
    }, this client ${CONNECTION_VERSION} (the two sides run different versions of @seed/multiprocessing)`;
  return new ProcessError(`Cannot connect to ${where}: it is ${speaks}`);
}

/**
 * Connects to the {@linkcode Listener} at `address`, like Python's
 * `multiprocessing.connection.Client(address, authkey=…)`. Both sides
 * prove they know `authkey` before any data flows; the other side may be
 * a thread of this program, or another OS process on Deno, Bun or Node.
 *
 * @param address `{ hostname, port }` (e.g. `listener.address`), or a Unix
 * socket's path (`{ path }` or a string).
 * @param options The authkey (by default this process's) and the
 * handshake's time limit.
 * @returns A promise of the connection, once authenticated.
 * @throws {AuthenticationError} If the listener refused the digest, or did
 * not prove it knows the authkey.
 * @throws {ProcessError} If it cannot connect, the listener is not one, or
 * the handshake does not finish in time.
 * @throws {TypeError} If an argument is of the wrong type.
 *
 * @example Usage
 * ```ts
 * import { AuthenticationError, Client, Listener } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using listener = await Listener({ authkey: "right" });
 * await assert.rejects(
 *   Client(listener.address, { authkey: "wrong" }),
 *   AuthenticationError,
 * );
 * ```
 */
export async function Client(
  address: ConnectionAddress,
  options?: ClientOptions,
): Promise<SocketConnection> {
  const what = "connect Client";
  const { authkey, handshakeTimeout } = optionsObject(what, options, KNOWN);
  const at = checkAddress(what, address, false);
  const key = checkAuthkey(what, authkey);
  const timeout = checkHandshakeTimeout(what, handshakeTimeout);
  const where = whereOf(at);
  const peer = new Peer(where, "client");
  try {
    peer.attach(await runtime.connect(at, peer.events));
  } catch (error) {
    throw new ProcessError(
      `Cannot connect to ${where}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const timer = setTimeout(
    () => peer.kill(`no handshake within ${timeout} ms`),
    timeout,
  );
  try {
    await clientHandshake({
      authkey: key,
      version: CONNECTION_VERSION,
      next: () => peer.next(),
      send: (message) => peer.stream.send(message, "handshake"),
      versionError: (theirs) => versionError(where, theirs),
      error: (why, auth) =>
        new (auth ? AuthenticationError : ProcessError)(
          `Cannot connect to ${where}: ${why}`,
        ),
    });
  } catch (error) {
    peer.kill();
    if (error instanceof ProcessError) throw error;
    throw new ProcessError(
      `Cannot connect to ${where}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  peer.socket!.unref();
  return new SocketConnection(new Adopted(peer));
}
