/**
 * `ProxyToken`: everything needed to reach one served object from any
 * thread, process or machine.
 *
 * @module
 */
import type { SocketAddress } from "../_runtime/mod.ts";

/**
 * Everything needed to reach one object on a manager server: build a proxy
 * from it with the proxy class's constructor.
 *
 * @example Usage
 * ```ts
 * import { ListProxy, Manager, type ProxyToken } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const list = await manager.list([1]);
 * const token: ProxyToken = {
 *   typeid: "list",
 *   id: list.id,
 *   address: manager.address,
 *   authkey: manager.authkey,
 * };
 * assert.equal(await new ListProxy(token).length(), 1);
 * ```
 */
export interface ProxyToken {
  /** The registered type of the served object, e.g. `"list"`. */
  readonly typeid: string;
  /** The object's id on its server. */
  readonly id: number;
  /** Where its server listens. */
  readonly address: SocketAddress;
  /** The secret its server checks. */
  readonly authkey: Uint8Array;
}
