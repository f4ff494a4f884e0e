// The worker side of the "from a worker" manager bench (a child Process, a
// pool worker): waits for a command in shared memory, runs a batch of
// appends, reports the batch done.
import type { ListProxy } from "../mod.ts";

/** Cells: 0 = command number, 1 = batch mode, 2 = batches done. */
export async function drive(list: ListProxy<number>, cells: Int32Array) {
  for (let seen = 0;; seen++) {
    while (Atomics.load(cells, 0) === seen) Atomics.wait(cells, 0, seen);
    if (cells[1] === 0) return;
    if (cells[1] === 1) {
      for (let i = 0; i < 100; i++) await list.append(i);
    } else {
      await Promise.all(Array.from({ length: 100 }, (_, i) => list.append(i)));
    }
    Atomics.store(cells, 2, seen + 1);
    Atomics.notify(cells, 2);
  }
}
