// The checks of BaseManager's options, and what they come to.
import { authkeyBytes } from "../connection/_auth.ts";
import { moduleUrls } from "../_core/function_ref.ts";
import { describe, optionsObject } from "../_core/validate.ts";
import type { SocketAddress } from "../_runtime/mod.ts";

const KNOWN_OPTIONS = [
  "address",
  "authkey",
  "module",
  "debug",
  "maxConnections",
] as const;

interface Options {
  address?: { hostname?: string; port?: number };
  authkey?: string | Uint8Array;
  module?: string | URL | readonly (string | URL)[];
  debug?: boolean;
  maxConnections?: number;
}

/** A manager's checked options, with their defaults. */
export interface ManagerSettings {
  readonly address: SocketAddress;
  readonly authkey: Uint8Array;
  readonly modules: string[];
  readonly debug: boolean;
  readonly maxConnections: number;
}

/**
 * Checks `BaseManagerOptions`.
 *
 * @throws {TypeError} If an option is unknown or of the wrong type.
 * @throws {RangeError} If a number is out of range or `authkey` is empty.
 */
export function managerSettings(options: unknown): ManagerSettings {
  const what = "create manager";
  const {
    address = {},
    authkey,
    module,
    debug = false,
    maxConnections = 512,
  } = optionsObject(what, options as Options | undefined, KNOWN_OPTIONS);
  const { hostname = "127.0.0.1", port = 0 } = address;
  if (typeof hostname !== "string") {
    throw new TypeError(
      `Cannot ${what}: "address.hostname" must be a string, received ${
        describe(hostname)
      }`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot ${what}: "address.port" must be an integer from 0 to 65535, received ${
        describe(port)
      }`,
    );
  }
  if (
    authkey !== undefined && typeof authkey !== "string" &&
    !(authkey instanceof Uint8Array)
  ) {
    throw new TypeError(
      `Cannot ${what}: "authkey" must be a string or a Uint8Array, received ${
        describe(authkey)
      }`,
    );
  }
  if (authkey !== undefined && authkey.length === 0) {
    throw new RangeError(
      `Cannot ${what}: "authkey" must not be empty, received ${
        describe(authkey)
      }`,
    );
  }
  if (typeof debug !== "boolean") {
    throw new TypeError(
      `Cannot ${what}: "debug" must be a boolean, received ${describe(debug)}`,
    );
  }
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new RangeError(
      `Cannot ${what}: "maxConnections" must be an integer of at least 1, received ${
        describe(maxConnections)
      }`,
    );
  }
  return {
    address: { hostname, port },
    authkey: authkey === undefined
      ? crypto.getRandomValues(new Uint8Array(32))
      : authkeyBytes(authkey),
    modules: moduleUrls(what, module),
    debug,
    maxConnections,
  };
}
