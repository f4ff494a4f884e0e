/**
 * Proxies: handles to objects that live in a manager's server. Every method
 * is async and runs on the server; a proxy passed to a `Process` (or stored
 * inside another served object) arrives as a working proxy to the same
 * object. The server frees an object once no proxy refers to it.
 *
 * @module
 */
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import {
  attachProxy,
  clientOf,
  IDENTITY,
  makeProxy,
  type ManagerClient,
  type ProxyIdentity,
  proxyMakers,
} from "./_client.ts";
import { CALL, DECREF } from "./_protocol.ts";
import type { ProxyToken } from "./proxy_token.ts";
import { ProcessError } from "../errors.ts";

export type { ProxyToken } from "./proxy_token.ts";

/**
 * What `register(typeid, factory, { proxytype })` takes: a class extending
 * {@linkcode BaseProxy}, or a function from a {@linkcode ProxyToken} to a
 * proxy (such as {@linkcode autoProxy}).
 */
export type ProxyType<P> =
  | (new (token: ProxyToken) => P)
  | ((token: ProxyToken) => P);

const SHARED_TAG = "ManagerProxy";

/** A proxy in transit to another thread. */
interface Lent {
  readonly token: ProxyToken;
  /** The loan the receiving side ends once it holds its own reference. */
  readonly key: string;
  /** Proves to the server that the receiver is in its OS process. */
  readonly localKey: Uint8Array | undefined;
  /** The server's shared memory, for threads of its OS process. */
  readonly lobby?: SharedArrayBuffer;
}

const finalizer = new FinalizationRegistry<
  { client: ManagerClient; id: number }
>(({ client, id }) => client.notify(DECREF, id));

/**
 * The base of every proxy: a reference to one served object on a manager
 * server, with {@linkcode BaseProxy.callMethod} to run its methods there.
 * Building one adds a reference on the server; garbage collection or
 * {@linkcode BaseProxy.decref} removes it.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const list = await manager.list([3, 1, 2]);
 * assert.equal(await list.callMethod("length"), 3);
 * assert.equal(list.typeid, "list");
 * ```
 */
export class BaseProxy {
  #token: ProxyToken;
  #client: ManagerClient;
  #released = false;

  /** Attaches to the served object `token` describes (one more reference). */
  constructor(token: ProxyToken) {
    this.#token = token;
    this.#client = attachProxy(token);
    finalizer.register(this, { client: this.#client, id: token.id }, this);
  }

  /** The registered type of the served object, e.g. `"list"`. */
  get typeid(): string {
    return this.#token.typeid;
  }

  /** The served object's id on its server. */
  get id(): number {
    return this.#token.id;
  }

  /**
   * Calls `method(...args)` on the served object, on the server.
   *
   * @param method A public method of the served object.
   * @param args Its arguments; proxies among them stay proxies.
   * @returns What the method returned (proxies arrive as proxies).
   * @throws {Error} What the method threw on the server, with its class
   * (this library's error classes and JavaScript's built-in ones; other
   * classes arrive as an `Error` with their `name`).
   * @throws {TypeError} If the method is not exposed.
   * @throws {ProcessError} If the proxy was released or the server is gone.
   */
  callMethod(method: string, args: readonly unknown[] = []): Promise<unknown> {
    if (this.#released) {
      return Promise.reject(
        new ProcessError(
          `Cannot call ${this.typeid}.${method}(): the proxy was released`,
        ),
      );
    }
    return this.#client.request(CALL, this.#token.id, method, args);
  }

  /**
   * Drops this proxy's reference now instead of at garbage collection; the
   * server frees the object once no proxy refers to it. Later calls reject.
   */
  decref(): void {
    if (this.#released) return;
    this.#released = true;
    finalizer.unregister(this);
    this.#client.notify(DECREF, this.#token.id);
  }

  /** Same as {@linkcode BaseProxy.decref}, for `using`. */
  [Symbol.dispose](): void {
    this.decref();
  }

  /** @ignore Identifies the proxy to the manager wire format. */
  [IDENTITY](): ProxyIdentity {
    return {
      client: this.#client,
      typeid: this.#token.typeid,
      id: this.#token.id,
    };
  }

  /**
   * @ignore Describes the proxy for another thread; the server holds the
   * object for it until the other side has attached.
   */
  [reduce](): Reduced {
    const lent: Lent = {
      token: this.#token,
      key: this.#client.lend(this.#token.id),
      localKey: this.#client.localKey,
      lobby: this.#client.lobby,
    };
    return reduced(SHARED_TAG, lent);
  }
}

registerShareable(SHARED_TAG, (state) => {
  const { token, key, localKey, lobby } = state as Lent;
  const client = clientOf(token.address, token.authkey, { localKey, lobby });
  const proxy = (client.proxyTypes.get(token.typeid) ?? makeProxy)(token);
  client.unlend(key);
  return proxy;
});

/**
 * A proxy whose methods are those of the registered type: each public
 * method `m(...args): R` becomes `m(...args): Promise<R>`.
 */
export type AutoProxy<T> =
  & BaseProxy
  & {
    readonly [
      K in keyof T as K extends `_${string}` ? never
        : T[K] extends (...args: never[]) => unknown ? K
        : never
    ]: T[K] extends (...args: infer A) => infer R
      ? (...args: A) => Promise<Awaited<R>>
      : never;
  };

/**
 * Makes the generic proxy for a registered type: any method name is sent to
 * the server, which allows only the object's public methods.
 *
 * @param token The served object to attach to.
 * @returns A proxy whose every property is an async method.
 * @example Usage
 * ```ts
 * import { autoProxy, BaseManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * class Counter {
 *   n = 0;
 *   add(by: number): number {
 *     return this.n += by;
 *   }
 * }
 * const manager = new BaseManager().register("Counter", Counter);
 * await manager.start();
 * const counter = await manager.Counter();
 * assert.equal(await counter.add(2), 2);
 * assert.equal(typeof autoProxy, "function");
 * await manager.shutdown();
 * ```
 */
export function autoProxy<T>(token: ProxyToken): AutoProxy<T> {
  const base = new BaseProxy(token);
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(base, {
    get(target, property) {
      if (property in target) {
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      // Not thenable: `await proxy` must give the proxy itself.
      if (typeof property !== "string" || property === "then") {
        return undefined;
      }
      let method = methods.get(property);
      if (method === undefined) {
        method = (...args) => target.callMethod(property, args);
        methods.set(property, method);
      }
      return method;
    },
  }) as AutoProxy<T>;
}

proxyMakers.set("", autoProxy);
