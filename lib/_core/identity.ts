// Who the current thread is, and where a new worker starts.
import type { Identity } from "./protocol.ts";
import { createCommonBlock, PIDS } from "./common_block.ts";

let self: Identity = {
  pid: 0,
  name: "MainProcess",
  pids: new Int32Array(createCommonBlock(), PIDS * 4, 1),
  daemon: false,
  authkey: crypto.getRandomValues(new Uint8Array(32)),
  parent: null,
};

/** This thread's identity; the main thread is pid 0, "MainProcess". */
export function identity(): Identity {
  return self;
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
  authkey: Uint8Array = self.authkey!,
): Identity {
  return {
    pid,
    name,
    pids: self.pids,
    daemon,
    authkey,
    parent: { pid: self.pid, name: self.name },
  };
}

/** A pid unique among all threads of this OS process. */
export function nextPid(): number {
  return Atomics.add(self.pids, 0, 1) + 1;
}

/** The worker entry point: `.ts` when running from source, `.js` when built. */
export const WORKER_URL: URL = new URL(
  import.meta.url.endsWith(".ts") ? "../_worker_main.ts" : "../_worker_main.js",
  import.meta.url,
);
