// Worker side of queue_bench.ts: waits for a round, then moves small objects
// through a shared Queue or over a BroadcastChannel (postMessage between
// the same workers), reports done, repeats until told to stop.
//
// BroadcastChannel has no backpressure, so the channel gets the one a Queue
// has by design: a producer keeps at most WINDOW messages in flight, and its
// consumer publishes how many it received in the pair's ACK word. Deno's
// BroadcastChannel still loses messages under this load (a 2→2 round never
// ends, even with 16 in flight), so queue_bench.ts skips it on Deno.
import type { Queue } from "../mod.ts";

/** Control words shared with the bench. */
export const GEN = 0;
export const DONE = 1;
export const MODE = 2;
export const ITEMS = 3;
export const PAIRS = 4;
/** ACK + pair: messages the pair's consumer received, ever. */
export const ACK = 5;
/** Workers whose channel is open, so that no message goes unheard. */
export const READY = 7;
export const CONTROL_LENGTH = 8;
/** MODE values. */
export const QUEUE = 0;
export const CHANNEL = 1;
export const STOP = -1;

/** Workers 0 and 1 produce; 2 and 3 consume. Pair k is k and k + 2. */
export const WORKER_COUNT = 4;
const WINDOW = 32;
const ACK_EVERY = 8;

/** The small object every round moves. */
export function item(i: number): { id: number; name: string; tags: number[] } {
  return { id: i, name: "item", tags: [i, 2] };
}

function finish(control: Int32Array): void {
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);
}

/** Serves rounds as worker `index` until MODE is STOP. */
export async function serve(
  control: Int32Array,
  index: number,
  queue: Queue,
): Promise<void> {
  const pair = index % 2;
  const producer = index < 2;
  const channel = new BroadcastChannel(`queue-bench-${pair}`);
  let received = 0;
  let target = 0;
  let wake: (() => void) | null = null;
  let sent = 0;
  channel.onmessage = () => {
    received++;
    if (received % ACK_EVERY === 0 || received === target) {
      Atomics.store(control, ACK + pair, received);
      Atomics.notify(control, ACK + pair);
    }
    if (received === target) wake?.();
  };
  Atomics.add(control, READY, 1);
  Atomics.notify(control, READY);
  let gen = 0;
  while (true) {
    const wait = Atomics.waitAsync(control, GEN, gen);
    if (wait.async) await wait.value;
    gen = Atomics.load(control, GEN);
    const mode = Atomics.load(control, MODE);
    if (mode === STOP) break;
    if (pair >= Atomics.load(control, PAIRS)) continue;
    const n = Atomics.load(control, ITEMS);
    if (producer) {
      for (let i = 0; i < n; i++) {
        if (mode === QUEUE) queue.put(item(i));
        else {
          channel.postMessage(item(i));
          sent++;
          let acked;
          while (sent - (acked = Atomics.load(control, ACK + pair)) > WINDOW) {
            const wait = Atomics.waitAsync(control, ACK + pair, acked);
            if (wait.async) await wait.value;
          }
        }
      }
    } else if (mode === QUEUE) {
      for (let i = 0; i < n; i++) queue.get();
    } else {
      target += n;
      if (received < target) {
        await new Promise<void>((resolve) => wake = resolve);
      }
    }
    finish(control);
  }
  channel.close();
}
