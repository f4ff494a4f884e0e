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
  /**
   * Sleep once at most, and resume with whether a notify woke this thread
   * (`false` if the value differed, the deadline passed or the wake-up was
   * spurious): see {@linkcode waitOnce}.
   */
  readonly once?: boolean;
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
    if (deadline === Infinity) {
      Atomics.wait(cells, index, value);
      continue;
    }
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(cells, index, value, left);
  }
  return true;
}

/**
 * Sleeps once at most while `cells[index] === value`, until `deadline`;
 * `true` only if a notify woke this thread. For waiters that count
 * themselves: a notifier that took a sleeper's count off wakes one, and a
 * waiter that returns `false` takes its own count off.
 */
export function waitOnce(
  cells: Int32Array,
  index: number,
  value: number,
  deadline: number,
): boolean {
  const left = deadline - performance.now();
  return left > 0 && Atomics.wait(cells, index, value, left) === "ok";
}

/**
 * How many times a contended acquire re-reads its word before it sleeps.
 * Critical sections are usually shorter than a sleep and a wake-up (tens
 * of µs), so a short spin often finds the lock free and spares both sides
 * the notify; it is short enough to cost little when the holder is slow.
 */
const SPINS = 100;

/** Re-reads `cells[index]` up to {@linkcode SPINS} times; `true` once it is not `value`. */
export function spinWhile(
  cells: Int32Array,
  index: number,
  value: number,
): boolean {
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(cells, index) !== value) return true;
  }
  return false;
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

/** Like {@linkcode waitOnce}, but never blocks the event loop. */
export async function waitOnceAsync(
  cells: Int32Array,
  index: number,
  value: number,
  deadline: number,
): Promise<boolean> {
  const left = deadline - performance.now();
  if (left <= 0) return false;
  if (asyncWaits++ === 0) keepAlive = setInterval(noop, 1 << 30);
  try {
    const result = Atomics.waitAsync(cells, index, value, left);
    return (result.async ? await result.value : result.value) === "ok";
  } finally {
    if (--asyncWaits === 0) clearInterval(keepAlive);
  }
}

/** Runs `steps` to the end, blocking this thread at each wait. */
export function block<R>(steps: Steps<R>): R {
  let step = steps.next();
  while (!step.done) {
    const { cells, index, value, deadline, once } = step.value;
    const wait = once ? waitOnce : waitWhile;
    step = steps.next(wait(cells, index, value, deadline));
  }
  return step.value;
}

/** Runs `steps` to the end without ever blocking the event loop. */
export async function blockAsync<R>(steps: Steps<R>): Promise<R> {
  let step = steps.next();
  while (!step.done) {
    const { cells, index, value, deadline, once } = step.value;
    const wait = once ? waitOnceAsync : waitWhileAsync;
    step = steps.next(await wait(cells, index, value, deadline));
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

// The mutex word (Drepper, "Futexes Are Tricky", mutex 2, with the holder's
// tag in the word so that a recursive lock knows its owner from the one
// word it takes): 0 when free, else the holder's tag (an even number) plus
// WAITED while someone may sleep on it.
/** The mutex word's value when free. */
export const UNLOCKED = 0;
/** The bit of the mutex word saying someone may sleep on it. */
export const WAITED = 1;
/** The tag of a holder that is nobody in particular (a `Lock`). */
export const LOCKED = 2;

/** Takes the mutex at `cells[index]` if it is free, without waiting. */
export function tryLock(cells: Int32Array, index: number): boolean {
  return Atomics.compareExchange(cells, index, UNLOCKED, LOCKED) === UNLOCKED;
}

/** Takes the mutex at `cells[index]` as `tag` if it is free, without waiting. */
export function tryLockAs(
  cells: Int32Array,
  index: number,
  tag: number,
): boolean {
  return Atomics.compareExchange(cells, index, UNLOCKED, tag) === UNLOCKED;
}

/** The tag of the holder of the mutex at `cells[index]`, 0 when free. */
export function holder(cells: Int32Array, index: number): number {
  // A plain read: only the holder puts its tag there or takes it away, so a
  // thread that finds its own tag holds the mutex.
  return cells[index] & ~WAITED;
}

/** Takes the mutex at `cells[index]` as `tag`, waiting until `deadline` at most. */
export function* lockSteps(
  cells: Int32Array,
  index: number,
  deadline: number,
  tag: number = LOCKED,
): Steps<boolean> {
  // Spin a little first: a critical section is usually shorter than a sleep
  // and a wake-up. Taking the word without WAITED while others sleep is
  // safe: the one the last unlock woke sets WAITED again before it sleeps.
  for (let i = 0; i < SPINS; i++) {
    if (
      Atomics.load(cells, index) === UNLOCKED && tryLockAs(cells, index, tag)
    ) {
      return true;
    }
  }
  let state = Atomics.load(cells, index);
  for (;;) {
    if (state === UNLOCKED) {
      // Others may sleep: take it with WAITED, so that our unlock wakes one.
      state = Atomics.compareExchange(cells, index, UNLOCKED, tag | WAITED);
      if (state === UNLOCKED) return true;
    } else if ((state & WAITED) === 0) {
      const seen = Atomics.compareExchange(cells, index, state, state | WAITED);
      state = seen === state ? state | WAITED : seen;
    } else {
      // Leaving WAITED behind on a timeout costs the holder one spare notify.
      if (!(yield { cells, index, value: state, deadline })) return false;
      state = Atomics.load(cells, index);
    }
  }
}

/**
 * Frees the mutex at `cells[index]` if `tag` holds it; `false` if it does
 * not. One compare-exchange, which checks the holder too.
 */
export function unlockAs(
  cells: Int32Array,
  index: number,
  tag: number,
): boolean {
  const state = Atomics.compareExchange(cells, index, tag, UNLOCKED);
  if (state === tag) return true;
  if (state !== (tag | WAITED)) return false;
  // We hold it and WAITED is set: nobody else changes the word now.
  Atomics.store(cells, index, UNLOCKED);
  Atomics.notify(cells, index, 1);
  return true;
}

/** Frees the mutex at `cells[index]`; `false` if it was not held. */
export function unlock(cells: Int32Array, index: number): boolean {
  const state = Atomics.exchange(cells, index, UNLOCKED);
  if ((state & WAITED) !== 0) Atomics.notify(cells, index, 1);
  return state !== UNLOCKED;
}
