// FIFO waiters for the served synchronization types: each is woken once
// with `true`, or resolves `false` on timeout or when its client leaves (it
// is then out of the queue, so no item or unit is ever handed to it).
import type { Caller } from "./caller.ts";
import { startTimer, type Timer } from "../../_core/timeout.ts";

export { deadlineOf } from "../../_core/timeout.ts";

let waiting = 0;

/** Calls waiting in any served object of this thread (for STATS). */
export function waitingCalls(): number {
  return waiting;
}

/** How long a blocking call may wait, from `timeout` in milliseconds. */
export interface WaitOptions {
  block?: boolean;
  timeout?: number | null;
}

/** What is left until `deadline`: `undefined` is forever. */
export function leftUntil(deadline: number): number | undefined {
  return deadline === Infinity
    ? undefined
    : Math.max(0, deadline - performance.now());
}

/** A FIFO of waiting calls. */
export class Waiters {
  #queue = new Set<(woken: boolean) => void>();

  get size(): number {
    return this.#queue.size;
  }

  /** Waits for `wake`; `false` after `timeout` ms or if `caller` leaves. */
  wait(caller: Caller, timeout: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const settle = (woken: boolean) => {
        if (!this.#queue.delete(settle) && !woken) return;
        waiting--;
        timer?.clear();
        unwatch();
        resolve(woken);
      };
      waiting++;
      this.#queue.add(settle);
      const unwatch = caller.watch(() => settle(false));
      if (timeout !== undefined) {
        timer = startTimer(timeout, () => settle(false));
      }
    });
  }

  /** Wakes up to `n` waiters, oldest first; returns how many. */
  wake(n = 1): number {
    let woken = 0;
    for (const settle of this.#queue) {
      if (woken >= n) break;
      this.#queue.delete(settle);
      settle(true);
      woken++;
    }
    return woken;
  }
}
