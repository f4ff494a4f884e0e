// Worker side of sync_bench.ts: waits for a command, runs a batch of locked
// increments of the chosen kind, reports done, repeats until told to stop.
import type {
  BoundedSemaphore,
  Lock,
  RLock,
  Semaphore,
  Value,
} from "../mod.ts";

/** Control words shared with the bench. */
export const GEN = 0;
export const DONE = 1;
export const KIND = 2;
export const OPS = 3;
export const WORKERS = 4;
export const READY = 5;
export const STOP = -1;

/** The batches a worker can run, by KIND. */
export const KINDS = [
  "inline futex mutex",
  "Lock",
  "RLock",
  "Semaphore(1)",
  "BoundedSemaphore(1)",
  "Value.add(1)",
  "Value under getLock()",
] as const;

/** Drepper's 3-state futex mutex, written inline: the physical reference. */
export function refLock(cells: Int32Array): void {
  let state = Atomics.compareExchange(cells, 0, 0, 1);
  if (state === 0) return;
  if (state !== 2) state = Atomics.exchange(cells, 0, 2);
  while (state !== 0) {
    Atomics.wait(cells, 0, 2);
    state = Atomics.exchange(cells, 0, 2);
  }
}

/** Frees the inline reference mutex. */
export function refUnlock(cells: Int32Array): void {
  if (Atomics.sub(cells, 0, 1) !== 1) {
    Atomics.store(cells, 0, 0);
    Atomics.notify(cells, 0, 1);
  }
}

/** What the bench and its workers share. */
export interface Shared {
  mutex: Int32Array;
  counter: Int32Array;
  lock: Lock;
  rlock: RLock;
  sem: Semaphore;
  bounded: BoundedSemaphore;
  value: Value<"i">;
}

/**
 * One loop per kind, each in its own function: a call site sees one lock
 * class, as in real code. (A loop shared by all kinds is megamorphic, which
 * Bun's JIT punishes by 2–4×; and seven loops in one function share one
 * compilation, whose inlining budget Bun spends on the first loops that
 * get hot, so that the later ones ran up to 10× slower than alone.)
 */
const LOOPS: ReadonlyArray<(ops: number, shared: Shared) => void> = [
  function mutexLoop(ops, { mutex, counter }) {
    for (let i = 0; i < ops; i++) {
      refLock(mutex);
      counter[0]++;
      refUnlock(mutex);
    }
  },
  function lockLoop(ops, { lock, counter }) {
    for (let i = 0; i < ops; i++) {
      lock.acquire();
      counter[0]++;
      lock.release();
    }
  },
  function rlockLoop(ops, { rlock, counter }) {
    for (let i = 0; i < ops; i++) {
      rlock.acquire();
      counter[0]++;
      rlock.release();
    }
  },
  function semaphoreLoop(ops, { sem, counter }) {
    for (let i = 0; i < ops; i++) {
      sem.acquire();
      counter[0]++;
      sem.release();
    }
  },
  function boundedLoop(ops, { bounded, counter }) {
    for (let i = 0; i < ops; i++) {
      bounded.acquire();
      counter[0]++;
      bounded.release();
    }
  },
  function addLoop(ops, { value }) {
    for (let i = 0; i < ops; i++) value.add(1);
  },
  function guardedLoop(ops, { value }) {
    const guard = value.getLock();
    for (let i = 0; i < ops; i++) {
      guard.acquire();
      value.value += 1;
      guard.release();
    }
  },
];

/** Runs `ops` increments of kind `kind`. */
export function batch(kind: number, ops: number, shared: Shared): void {
  LOOPS[kind](ops, shared);
}

/** The worker loop: worker `index` joins batches while `index < WORKERS`. */
export function serve(
  control: Int32Array,
  index: number,
  shared: Shared,
): void {
  let gen = 0;
  Atomics.add(control, READY, 1);
  for (;;) {
    while (Atomics.load(control, GEN) === gen) Atomics.wait(control, GEN, gen);
    gen = Atomics.load(control, GEN);
    const kind = Atomics.load(control, KIND);
    if (kind === STOP) return;
    if (index >= Atomics.load(control, WORKERS)) continue;
    batch(kind, control[OPS], shared);
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}
