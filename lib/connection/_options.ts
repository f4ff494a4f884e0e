// The checks of `Listener()`'s and `Client()`'s arguments, and what they
// come to: an address (TCP or a Unix socket's path), the authkey as bytes,
// and the handshake's time limit.
import { identity } from "../_core/identity.ts";
import { describe } from "../_core/validate.ts";
import type { AnyAddress } from "../_runtime/mod.ts";
import { authkeyBytes } from "./_auth.ts";

/** How error messages name `address`. */
export function whereOf(address: AnyAddress): string {
  return "path" in address
    ? address.path
    : `${address.hostname}:${address.port}`;
}

/** Checks an address; `port` 0 (any free port) only for listening. */
export function checkAddress(
  what: string,
  address: unknown,
  listening: boolean,
): AnyAddress {
  if (typeof address === "string" && address.length > 0) {
    return { path: address };
  }
  if (typeof address !== "object" || address === null) {
    throw new TypeError(
      `Cannot ${what}: address must be { hostname, port }, { path } or a Unix socket path, received ${
        describe(address)
      }`,
    );
  }
  if ("path" in address) {
    const { path } = address as { path: unknown };
    if (typeof path !== "string" || path.length === 0) {
      throw new TypeError(
        `Cannot ${what}: "address.path" must be a non-empty string, received ${
          describe(path)
        }`,
      );
    }
    return { path };
  }
  const { hostname = "127.0.0.1", port = listening ? 0 : undefined } =
    address as { hostname?: unknown; port?: unknown };
  if (typeof hostname !== "string") {
    throw new TypeError(
      `Cannot ${what}: "address.hostname" must be a string, received ${
        describe(hostname)
      }`,
    );
  }
  const least = listening ? 0 : 1;
  if (
    typeof port !== "number" || !Number.isInteger(port) || port < least ||
    port > 65535
  ) {
    throw new RangeError(
      `Cannot ${what}: "address.port" must be an integer from ${least} to 65535, received ${
        describe(port)
      }`,
    );
  }
  return { hostname, port };
}

/** The authkey as bytes; by default this process's (`currentProcess().authkey`). */
export function checkAuthkey(what: string, authkey: unknown): Uint8Array {
  if (authkey === undefined || authkey === null) return identity().authkey!;
  if (typeof authkey !== "string" && !(authkey instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot ${what}: "authkey" must be a string or a Uint8Array, received ${
        describe(authkey)
      }`,
    );
  }
  if (authkey.length === 0) {
    throw new RangeError(
      `Cannot ${what}: "authkey" must not be empty, received ${
        describe(authkey)
      }`,
    );
  }
  return authkeyBytes(authkey);
}

/** Checks a handshake time limit in ms. @default 3000 */
export function checkHandshakeTimeout(what: string, ms: unknown): number {
  if (ms === undefined) return 3_000;
  if (typeof ms !== "number" || !(ms > 0)) {
    throw new RangeError(
      `Cannot ${what}: "handshakeTimeout" must be a number of ms above 0, received ${
        describe(ms)
      }`,
    );
  }
  return ms;
}
