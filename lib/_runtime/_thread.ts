// Whether a worker's OS thread still exists. A runtime may report a worker
// as terminated while its thread runs on: Deno 2.9 cannot stop a thread busy
// in JavaScript until that code returns to the event loop, and Bun's
// `terminate()` returns before the thread stops. On Linux `/proc` tells the
// truth; elsewhere the runtime's word is all there is.
import type * as Fs from "node:fs";
import { builtin } from "./_builtin.ts";

const fs = () => builtin<typeof Fs>("node:fs");

/** How long `terminate()` waits for a thread to stop, by default, in ms. */
export const GRACE_MS = 1000;

/** How often a terminated thread is checked on, at most, in ms. */
const MAX_POLL_MS = 50;

/** The calling thread's OS thread id on Linux, else 0 (unknown). */
export function currentThreadId(): number {
  try {
    const link = fs().readlinkSync("/proc/thread-self"); // "<pid>/task/<tid>"
    return Number(link.slice(link.lastIndexOf("/") + 1)) || 0;
  } catch {
    return 0;
  }
}

/** Resolves once thread `tid` of this OS process has exited (at once if 0). */
export function threadGone(tid: number): Promise<void> {
  const path = `/proc/self/task/${tid}`;
  if (tid === 0 || !fs().existsSync(path)) return Promise.resolve();
  return new Promise((resolve) => {
    let delay = 1;
    function check(): void {
      if (!fs().existsSync(path)) return resolve();
      delay = Math.min(delay * 2, MAX_POLL_MS);
      // Unref'd: a thread the runtime cannot stop must not keep us alive.
      setUnrefTimeout(check, delay);
    }
    setUnrefTimeout(check, delay);
  });
}

function setUnrefTimeout(callback: () => void, ms: number): void {
  builtin<typeof import("node:timers")>("node:timers").setTimeout(callback, ms)
    .unref();
}
