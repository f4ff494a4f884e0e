// The one Atomics primitive every synchronization object is built on: wait
// while a shared int holds a value (blocking or async, with a deadline), and
// a 3-state mutex word.
//
// Every wait sits in a loop that re-checks its condition: `Atomics.wait`
// returns spuriously (seen in Bun), and a notify may wake a waiter that then
// loses a race. Whoever changes a word that others wait on changes its value
// before notifying, so "wait while it still holds `value`" is always right.

/** Block while `cells[index] === value`, until `deadline` (`performance.now()` ms). */
export interface Wait {
  readonly cells: Int32Array;
  readonly index: number;
  readonly value: number;
  readonly deadline: number;
}

/**
 * An algorithm written once for both the blocking and the async form: it
 * yields each wait it needs and is resumed with `false` when that wait timed
 * out. {@linkcode block} and {@linkcode blockAsync} drive it.
 */
export type Steps<R> = Generator<Wait, R, boolean>;

/** Blocks while `cells[index] === value`; `false` if `deadline` passed first. */
export function waitWhile(
  cells: Int32Array,
  index: number,
  value: number,
  deadline: number,
): boolean {
  while (Atomics.load(cells, index) === value) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(cells, index, value, left);
  }
  return true;
}

// A pending `Atomics.waitAsync` does not keep a process alive; one interval
// timer does, for as long as any async wait is pending on this thread.
let asyncWaits = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function noop(): void {}

/** Like {@linkcode waitWhile}, but never blocks the event loop. */
export async function waitWhileAsync(
  cells: Int32Array,
  index: number,
  value: number,
  deadline: number,
): Promise<boolean> {
  if (asyncWaits++ === 0) keepAlive = setInterval(noop, 1 << 30);
  try {
    while (Atomics.load(cells, index) === value) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      const result = Atomics.waitAsync(cells, index, value, left);
      if (result.async) await result.value;
    }
    return true;
  } finally {
    if (--asyncWaits === 0) clearInterval(keepAlive);
  }
}

/** Runs `steps` to the end, blocking this thread at each wait. */
export function block<R>(steps: Steps<R>): R {
  let step = steps.next();
  while (!step.done) {
    const { cells, index, value, deadline } = step.value;
    step = steps.next(waitWhile(cells, index, value, deadline));
  }
  return step.value;
}

/** Runs `steps` to the end without ever blocking the event loop. */
export async function blockAsync<R>(steps: Steps<R>): Promise<R> {
  let step = steps.next();
  while (!step.done) {
    const { cells, index, value, deadline } = step.value;
    step = steps.next(await waitWhileAsync(cells, index, value, deadline));
  }
  return step.value;
}

/** Wakes up to `count` threads waiting on `cells[index]`. */
export function notify(
  cells: Int32Array,
  index: number,
  count: number = Infinity,
): void {
  Atomics.notify(cells, index, count);
}

// The 3-state mutex word (Drepper, "Futexes Are Tricky", mutex 2).
/** The mutex word's value when free. */
export const UNLOCKED = 0;
/** The mutex word's value when held and nobody waits. */
export const LOCKED = 1;
/** The mutex word's value when held and someone may wait. */
export const CONTENDED = 2;

/** Takes the mutex at `cells[index]` if it is free, without waiting. */
export function tryLock(cells: Int32Array, index: number): boolean {
  return Atomics.compareExchange(cells, index, UNLOCKED, LOCKED) === UNLOCKED;
}

/** Takes the mutex at `cells[index]`, waiting until `deadline` at most. */
export function* lockSteps(
  cells: Int32Array,
  index: number,
  deadline: number,
): Steps<boolean> {
  let state = Atomics.compareExchange(cells, index, UNLOCKED, LOCKED);
  if (state === UNLOCKED) return true;
  if (state !== CONTENDED) state = Atomics.exchange(cells, index, CONTENDED);
  while (state !== UNLOCKED) {
    if (!(yield { cells, index, value: CONTENDED, deadline })) {
      // Leaving CONTENDED behind costs the holder one spare notify; safe.
      return false;
    }
    state = Atomics.exchange(cells, index, CONTENDED);
  }
  return true;
}

/** Frees the mutex at `cells[index]`; `false` if it was not held. */
export function unlock(cells: Int32Array, index: number): boolean {
  const state = Atomics.exchange(cells, index, UNLOCKED);
  if (state === CONTENDED) Atomics.notify(cells, index, 1);
  return state !== UNLOCKED;
}
