// Test helpers that look into a manager server: its counts, and when it has
// noticed that a client left.
import { type BaseManager, ListProxy } from "../../mod.ts";
import { clientOf } from "../../lib/manager/_client.ts";
import { type ServerStats, STATS } from "../../lib/manager/_protocol.ts";
import type { ProxyToken } from "../../lib/manager/proxy_token.ts";

/** The server's object, session and waiting-call counts. */
export function stats(manager: BaseManager): Promise<ServerStats> {
  return clientOf(manager.address, manager.authkey).request(STATS) as Promise<
    ServerStats
  >;
}

/** Polls `check` every 10 ms until it holds; fails after `ms`. */
export async function until(
  check: () => Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`Never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The token of `proxy`, to probe its object after the proxy is gone. */
export function tokenOf(manager: BaseManager, proxy: ListProxy): ProxyToken {
  return {
    typeid: proxy.typeid,
    id: proxy.id,
    address: manager.address,
    authkey: manager.authkey,
  };
}

/**
 * Waits until the object of `token` is freed: once a child held the only
 * reference, this is when the server has noticed the child left.
 */
export function untilFreed(token: ProxyToken): Promise<void> {
  return until(async () => {
    const probe = new ListProxy(token);
    const gone = await probe.length().then(
      () => false,
      (error) =>
        error.name === "ReferenceError" ||
        error.cause?.name === "ReferenceError",
    );
    probe.decref();
    return gone;
  }, `object ${token.id} freed`);
}
