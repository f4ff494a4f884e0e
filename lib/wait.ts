/**
 * `wait()`: one call that waits on many connections, queues and process
 * sentinels, like Python's `multiprocessing.connection.wait`.
 *
 * @module
 */
import { checkTimeout, startTimer, type Timer } from "./_core/timeout.ts";
import { describe } from "./_core/validate.ts";

/** What {@linkcode wait} can watch besides promises: a `Connection`, a `Queue`. */
export interface Pollable {
  /** Resolves `true` once data (or end-of-file) is there, `false` after `timeoutMs`. */
  pollAsync(timeoutMs?: number | null): Promise<boolean>;
}

/** An object {@linkcode wait} accepts: a pollable, or a promise such as `Process.sentinel`. */
export type Waitable = Pollable | PromiseLike<unknown>;

/**
 * The longest single poll, in ms: a poll that outlives the `wait()` that
 * started it ends within this time instead of lingering until data comes.
 */
const SLICE_MS = 1000;

/**
 * Waits until at least one of `objects` is ready, or `timeoutMs` passes,
 * and resolves with those that are ready, in the order given: a
 * `Connection` (from `Pipe()`, or a `SocketConnection` from `Client()` or
 * `Listener`) or `Queue` with data to receive (or, for a connection,
 * end-of-file), a promise that has settled (`Process.sentinel`: the child
 * has ended). Omitted or `Infinity`: no limit; 0 or negative: don't wait.
 *
 * @param objects The connections, queues and promises to watch.
 * @param timeoutMs The longest wait, in ms.
 * @returns A promise of the ready objects; empty after a timeout.
 * @throws {TypeError} If an object is neither pollable nor a promise, or the
 * timeout is not a number.
 *
 * @example Usage
 * ```ts
 * import { Pipe, Process, wait } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = Pipe();
 * const p = new Process({ target: () => {} });
 * p.start();
 * b.send("hello");
 * const ready = await wait([a, p.sentinel], 5000);
 * assert.ok(ready.includes(a));
 * await p.join();
 * ```
 */
export function wait<T extends Waitable>(
  objects: Iterable<T>,
  timeoutMs?: number | null,
): Promise<T[]> {
  const what = "wait for objects";
  let list: T[];
  let timeout: number | undefined;
  try {
    timeout = checkTimeout(what, timeoutMs);
    list = [...objects];
    list.forEach((object, i) => kind(what, object, i));
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const ready = new Set<T>();
    const deadline = timeout === undefined
      ? Infinity
      : performance.now() + timeout;
    let done = false;
    // Pollables still to answer their first poll; a timeout of 0 still asks
    // each once. Settled promises report in a microtask, before any timer.
    let unanswered = list.filter((o) => kind(what, o, 0) === "poll").length;
    let timer: Timer | null = null;
    function finish(): void {
      if (done) return;
      done = true;
      timer?.clear();
      resolve(list.filter((object) => ready.has(object)));
    }
    function fail(error: unknown): void {
      if (done) return;
      done = true;
      timer?.clear();
      reject(error);
    }
    function answered(): void {
      if (--unanswered === 0 && performance.now() >= deadline) finish();
    }
    function mark(object: T): void {
      if (done) return;
      // Let objects that are ready too report in before resolving.
      if (ready.size === 0) setTimeout(finish, 0);
      ready.add(object);
    }
    function watch(object: T & Pollable, first: boolean): void {
      if (done) return;
      const left = Math.max(0, deadline - performance.now());
      object.pollAsync(Math.min(left, SLICE_MS)).then((yes) => {
        if (yes) mark(object);
        else if (performance.now() < deadline) watch(object, false);
        if (first) answered();
      }, fail);
    }
    if (list.length === 0 && timeout === undefined) {
      return fail(
        new TypeError(
          `Cannot ${what}: no objects and no timeout would wait forever, received []`,
        ),
      );
    }
    if (timeout !== undefined) {
      timer = startTimer(timeout, () => unanswered === 0 && finish());
    }
    if (list.length === 0) return;
    for (const object of list) {
      if (kind(what, object, 0) === "poll") {
        watch(object as T & Pollable, true);
      } else {
        Promise.resolve(object).then(() => mark(object), () => mark(object));
      }
    }
  });
}

function kind(what: string, object: unknown, index: number): "poll" | "then" {
  if (typeof object === "object" && object !== null) {
    if (typeof (object as Pollable).pollAsync === "function") return "poll";
    if (typeof (object as PromiseLike<unknown>).then === "function") {
      return "then";
    }
  }
  throw new TypeError(
    `Cannot ${what}: objects[${index}] must be a Connection, a Queue or a promise such as Process.sentinel, received ${
      describe(object)
    }`,
  );
}
