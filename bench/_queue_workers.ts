// Worker side of queue_bench.ts: waits for a round, then moves small objects
// through a shared Queue, reports done, repeats until told to stop. The
// reference (the same objects over a MessagePort between two bare workers)
// runs in _port_worker.mjs under the same control words.
import type { Queue } from "../mod.ts";

/** Control words shared with the bench. */
export const GEN = 0;
export const DONE = 1;
export const MODE = 2;
export const ITEMS = 3;
export const PAIRS = 4;
/** ACK + pair: messages the pair's consumer received, ever. */
export const ACK = 5;
/** Queue workers started. */
export const READY = 7;
export const CONTROL_LENGTH = 8;
/** MODE values. */
export const QUEUE = 0;
export const CHANNEL = 1;
export const STOP = -1;

/** Workers 0 and 1 produce; 2 and 3 consume. Pair k is k and k + 2. */
export const WORKER_COUNT = 4;
/** The MessagePort reference's backpressure: messages in flight, at most. */
export const WINDOW = 32;
/** Its consumer publishes its count every ACK_EVERY messages. */
export const ACK_EVERY = 8;

/** The small object every round moves. */
export function item(i: number): { id: number; name: string; tags: number[] } {
  return { id: i, name: "item", tags: [i, 2] };
}

/** Serves Queue rounds as worker `index` until MODE is STOP. */
export async function serve(
  control: Int32Array,
  index: number,
  queue: Queue,
): Promise<void> {
  const pair = index % 2;
  const producer = index < 2;
  Atomics.add(control, READY, 1);
  Atomics.notify(control, READY);
  let gen = 0;
  while (true) {
    const wait = Atomics.waitAsync(control, GEN, gen);
    if (wait.async) await wait.value;
    gen = Atomics.load(control, GEN);
    const mode = Atomics.load(control, MODE);
    if (mode === STOP) break;
    if (mode !== QUEUE || pair >= Atomics.load(control, PAIRS)) continue;
    const n = Atomics.load(control, ITEMS);
    if (producer) {
      for (let i = 0; i < n; i++) queue.put(item(i));
    } else {
      for (let i = 0; i < n; i++) queue.get();
    }
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}
