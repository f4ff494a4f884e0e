/**
 * The options of `BaseManager`, of its `register` and `start`, and the type
 * of the factory method `register` adds.
 *
 * @module
 */
import type { ProxyType } from "./proxy.ts";

/** Options of `BaseManager`. */
export interface BaseManagerOptions {
  /**
   * Where the server listens (`start`, `getServer`) or is (`connect`).
   * Port 0 picks a free port. @default { hostname: "127.0.0.1", port: 0 }
   */
  address?: { hostname?: string; port?: number };
  /**
   * The secret both sides prove they know (HMAC-SHA256 challenge) before
   * any request. @default 32 random bytes (required for `connect`)
   */
  authkey?: string | Uint8Array;
  /**
   * Modules whose exports are registered factories: `start()` sends those
   * by reference, so they may use their module's imports.
   */
  module?: string | URL | readonly (string | URL)[];
  /**
   * Send server-side stacks with errors to every client. By default only
   * clients in the server's own OS process get them; remote clients get
   * the error's class and message. @default false
   */
  debug?: boolean;
  /**
   * The most client connections the server accepts at once (connections
   * still in their handshake are capped at 64 within these).
   * @default 512
   */
  maxConnections?: number;
}

/** Options of `BaseManager.register`, as Python's. */
export interface RegisterOptions<P = unknown> {
  /**
   * The methods a proxy may call, exactly (it may name a `_` method on
   * purpose; never `constructor` or `__proto__`). @default the proxy
   * type's static `exposed`, else the public methods: those whose name
   * does not start with `_`
   */
  exposed?: readonly string[];
  /**
   * Methods whose result the server keeps as a new object of the given
   * typeid, the caller getting its proxy (instead of a copy), e.g.
   * `{ child: "Node" }`. The typeid must be registered on the server.
   * @default the proxy type's static `methodToTypeid`, else none
   */
  methodToTypeid?: Readonly<Record<string, string>>;
  /**
   * The proxy class of this typeid in this thread (a class extending
   * `BaseProxy`, or a function from a `ProxyToken` to a proxy). A thread
   * that receives such a proxy builds it with the class its own managers
   * registered for the typeid, else the generic proxy. @default autoProxy
   */
  proxytype?: ProxyType<P>;
  /**
   * Whether the manager gains a method `typeid(...args)` that creates an
   * object; `false` for types that only methods return. @default true
   */
  createMethod?: boolean;
}

/** Options of `BaseManager.start`, as Python's `start()`. */
export interface StartOptions {
  /**
   * Runs in the server's thread before it serves (it may set up state
   * the factories use). An export of a module in the manager's `module`
   * option goes by reference; any other function as self-contained source.
   */
  initializer?: (...args: never[]) => unknown;
  /** Arguments for `initializer`; shareable objects arrive live. @default [] */
  initargs?: unknown[];
}

/** The factory method `register` adds to a manager: it resolves a proxy `P`. */
export type Registered<K extends string, A extends unknown[], P> = {
  readonly [N in K]: (...args: A) => Promise<P>;
};
