// Taking tasks back from a busy worker: while some worker is idle and
// another holds tasks it has not started, check every STEAL_MS whether the
// busy one still starts tasks; one that started none since the last check
// is marked stalled (it gets no more work until it is idle) and its
// unstarted tasks go back to the queue.
import type { Slot, Task } from "./_slot.ts";

/**
 * How long a worker may go without starting a task while holding more and
 * another worker is idle.
 */
const STEAL_MS = 20;

/** Watches a pool's workers for tasks stuck behind a long one. */
export class Stealer {
  #workers: () => readonly Slot[];
  #requeue: (tasks: Task[]) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #tick = () => this.#check();

  /** `requeue` puts taken-back tasks at the front of the queue and sends them. */
  constructor(
    workers: () => readonly Slot[],
    requeue: (tasks: Task[]) => void,
  ) {
    this.#workers = workers;
    this.#requeue = requeue;
  }

  /** Starts checking if some worker is idle while another holds unstarted tasks. */
  arm(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const workers = this.#workers();
    if (!workers.some((slot) => slot.inflight === 0)) return;
    let busy = false;
    for (const slot of workers) {
      if (slot.inflight > 1 && slot.hasUnstarted()) {
        slot.lastClaimed = slot.claimed();
        busy = true;
      }
    }
    if (busy) this.#timer = setTimeout(this.#tick, STEAL_MS);
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #check(): void {
    this.#timer = undefined;
    const workers = this.#workers();
    if (this.#stopped || !workers.some((slot) => slot.inflight === 0)) return;
    const taken: Task[] = [];
    for (const slot of workers) {
      const claimed = slot.claimed();
      if (slot.inflight > 0 && claimed === slot.lastClaimed) {
        slot.stalled = true;
        taken.push(...slot.takeBack());
      }
      slot.lastClaimed = claimed;
    }
    this.#requeue(taken);
    this.arm();
  }
}
