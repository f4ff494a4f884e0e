// Who the current thread is, and where a new worker starts.
import type { Identity } from "./protocol.ts";
import { createCommonBlock, PIDS } from "./common_block.ts";

/**
 * Made on first use: a worker adopts its parent's identity before anything
 * asks, and must not pay for a key it throws away (the first
 * `crypto.getRandomValues` of a Node worker costs it 15–30 ms).
 */
let self: Identity | null = null;

function mainIdentity(): Identity {
  return {
    pid: 0,
    name: "MainProcess",
    pids: new Int32Array(createCommonBlock(), PIDS * 4, 1),
    daemon: false,
    authkey: crypto.getRandomValues(new Uint8Array(32)),
    parent: null,
  };
}

/** This thread's identity; the main thread is pid 0, "MainProcess". */
export function identity(): Identity {
  return self ??= mainIdentity();
}

/** Takes on the identity a parent gave this worker. */
export function adoptIdentity(given: Identity): void {
  self = given;
}

/** The identity of a new child of this thread, which inherits the authkey. */
export function childIdentity(
  pid: number,
  name: string,
  daemon: boolean,
  authkey: Uint8Array = identity().authkey!,
): Identity {
  const me = identity();
  return {
    pid,
    name,
    pids: me.pids,
    daemon,
    authkey,
    parent: { pid: me.pid, name: me.name },
  };
}

/** A pid unique among all threads of this OS process. */
export function nextPid(): number {
  return Atomics.add(identity().pids, 0, 1) + 1;
}

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** The worker entry point: `.ts` when running from source, `.js` when built. */
export const WORKER_URL: URL = new URL(
  `../_worker_main${EXT}`,
  import.meta.url,
);

/** A pool worker's entry point: the worker entry with the pool half. */
export const POOL_WORKER_URL: URL = new URL(
  `../pool/_entry${EXT}`,
  import.meta.url,
);
