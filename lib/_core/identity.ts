// Who the current thread is, and where a new worker starts.
import type { Identity } from "./protocol.ts";
import { createCommonBlock, PIDS } from "./common_block.ts";

let self: Identity = {
  pid: 0,
  name: "MainProcess",
  pids: new Int32Array(createCommonBlock(), PIDS * 4, 1),
};

/** This thread's identity; the main thread is pid 0, "MainProcess". */
export function identity(): Identity {
  return self;
}

/** Takes on the identity a parent gave this worker. */
export function adoptIdentity(given: Identity): void {
  self = given;
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
