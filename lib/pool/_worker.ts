// The worker side of a Pool: runs the tasks of each message in order (one at
// a time, like a Python pool process) and sends results back in batches: one
// message per task message, or sooner when tasks take long, and at once if
// the worker is about to die. Before it starts a task it claims it in the
// cells it shares with the parent, which may have taken it back.
import { runtime } from "../_runtime/mod.ts";
import { clones, decode, encode, encodeThrown } from "../_core/codec.ts";
import { adoptIdentity } from "../_core/identity.ts";
import { type FunctionRef, resolveFunction } from "../_core/function_ref.ts";
import {
  CALL,
  CLAIMED,
  FAILED,
  FINISHED,
  ITEM,
  MAP,
  OK,
} from "../_core/protocol.ts";
import type {
  PoolExit,
  PoolResults,
  PoolTasks,
  StartPoolWorker,
} from "../_core/protocol.ts";
import { describe } from "../_core/validate.ts";
import {
  asArray,
  chunkItems,
  resultsFor,
  sentResults,
  store,
} from "./_numbers.ts";
import { MaybeEncodingError } from "../errors.ts";
import { countMessage, openMailbox, park } from "./_park.ts";

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** Results are sent at least this often while a message's tasks run. */
const FLUSH_MS = 1;

const port = runtime.parent!;
const fns: AnyFunction[] = [];
const inbox: (PoolTasks | PoolExit)[] = [];
let cells: Int32Array = new Int32Array(2);
/** How many tasks this worker has been sent before the current one. */
let received = 0;
let initialized: Promise<void> | undefined;
let initFailure: { error: unknown } | null = null;
let draining = false;
let out: PoolResults = [0];
let since = 0;

/** Takes on the pool worker's identity and runs the initializer. */
export function startPoolWorker(message: StartPoolWorker): void {
  adoptIdentity(message.identity);
  cells = message.cells;
  // Results already computed reach the parent even if a task ends the worker.
  port.onExit(flush);
  initialized = initialize(message.initializer, message.initargs);
  if (message.mailbox !== undefined) {
    openMailbox(message.mailbox, {
      busy: () => draining || inbox.length > 0,
      run: runOne,
      post(results) {
        since = performance.now() - (results[0] as number);
        out.push(...results.slice(1));
        flush();
      },
    });
    void initialized.then(park);
  }
}

async function initialize(
  ref: FunctionRef | null,
  initargs: readonly unknown[],
): Promise<void> {
  if (ref === null) return;
  try {
    const initializer = await resolveFunction(ref);
    await initializer(...(decode(initargs) as unknown[]));
  } catch (error) {
    // Every task then fails with this error, instead of Python's endless
    // cycle of dying and replaced workers.
    initFailure = { error };
  }
}

/**
 * Queues a message of tasks, or the order to exit; either waits for the
 * messages received before it.
 */
export function receiveTasks(message: PoolTasks | PoolExit): void {
  inbox.push(message);
  countMessage(message.type === "pool-tasks" ? message.tasks.length / 4 : 0);
  if (!draining) void drain();
}

async function drain(): Promise<void> {
  draining = true;
  await initialized;
  since = performance.now();
  while (inbox.length > 0) {
    const message = inbox.shift()!;
    if (message.type === "pool-exit") return port.exit(0);
    if (message.fns !== null) await define(message.fns);
    await runTasks(message.tasks);
    flush();
  }
  draining = false;
  park();
}

async function define(defined: readonly (number | FunctionRef)[]) {
  for (let i = 0; i < defined.length; i += 2) {
    const id = defined[i] as number;
    try {
      fns[id] = await resolveFunction(defined[i + 1] as FunctionRef);
    } catch (error) {
      fns[id] = () => {
        throw error;
      };
    }
  }
}

async function runTasks(tasks: readonly unknown[]): Promise<void> {
  for (let i = 0; i < tasks.length; i += 4) {
    const seq = received++;
    // The parent took this task back to run it elsewhere.
    if (Atomics.compareExchange(cells, CLAIMED, seq, seq + 1) !== seq) continue;
    const id = tasks[i];
    try {
      if (initFailure !== null) throw initFailure.error;
      let value = run(
        fns[tasks[i + 1] as number],
        tasks[i + 2] as number,
        decode(tasks[i + 3]),
      );
      if (isPromiseLike(value)) value = await value;
      out.push(id, OK, encode(value));
    } catch (error) {
      out.push(id, FAILED, encodeThrown(error));
    }
    Atomics.store(cells, FINISHED, seq + 1);
    if (performance.now() - since >= FLUSH_MS) flush();
  }
}

/**
 * Runs task number `seq` from the mailbox (see `_park.ts`): its result as
 * `[busyMs, id, status, value]`, `[]` if the parent took it back, or a
 * promise of either.
 */
function runOne(
  seq: number,
  id: number,
  fnId: number,
  kind: number,
  payload: unknown,
): unknown[] | Promise<unknown[]> {
  received = seq + 1;
  if (Atomics.compareExchange(cells, CLAIMED, seq, seq + 1) !== seq) return [];
  const start = performance.now();
  const done = (status: number, value: unknown): unknown[] => {
    Atomics.store(cells, FINISHED, seq + 1);
    return [performance.now() - start, id, status, value];
  };
  try {
    if (initFailure !== null) throw initFailure.error;
    const value = run(fns[fnId], kind, decode(payload));
    if (!isPromiseLike(value)) return done(OK, encode(value));
    return Promise.resolve(value).then(
      (settled) => done(OK, encode(settled)),
      (error) => done(FAILED, encodeThrown(error)),
    );
  } catch (error) {
    return done(FAILED, encodeThrown(error));
  }
}

function run(fn: AnyFunction, kind: number, data: unknown): unknown {
  if (kind === ITEM) return fn(data);
  if (kind === CALL) return fn(...data as unknown[]);
  const payload = chunkItems(data);
  const spread = kind !== MAP;
  let results = resultsFor(payload);
  for (let i = 0; i < payload.length; i++) {
    const value = spread ? fn(...payload[i] as unknown[]) : fn(payload[i]);
    if (isPromiseLike(value)) {
      return finishChunk(fn, spread, payload, asArray(results), i, value);
    }
    results = store(results, i, value);
  }
  return sentResults(results);
}

/** The rest of a chunk once one call returned a promise. */
async function finishChunk(
  fn: AnyFunction,
  spread: boolean,
  payload: ArrayLike<unknown>,
  results: unknown[],
  first: number,
  pending: PromiseLike<unknown>,
): Promise<unknown[]> {
  results[first] = await pending;
  for (let i = first + 1; i < payload.length; i++) {
    results[i] =
      await (spread ? fn(...payload[i] as unknown[]) : fn(payload[i]));
  }
  return results;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

function flush(): void {
  if (out.length === 1) return;
  const now = performance.now();
  out[0] = now - since;
  try {
    port.postMessage(out);
  } catch {
    port.postMessage(replaceUncloneable(out));
  }
  out = [0];
  since = now;
}

/** Turns each result that cannot be cloned into a `MaybeEncodingError`. */
function replaceUncloneable(results: PoolResults): PoolResults {
  for (let i = 1; i < results.length; i += 3) {
    const value = results[i + 2];
    try {
      structuredClone(value);
    } catch (error) {
      const culprit = globalThis.Array.isArray(value)
        ? value.find((item) => !clones(item))
        : value;
      const { name, message } = error as Error;
      results[i + 1] = FAILED;
      results[i + 2] = encodeThrown(
        new MaybeEncodingError(
          `Cannot send a task's result back to the pool: ${
            describe(culprit)
          } could not be cloned (${message})`,
          { exc: `${name}: ${message}`, value: describe(culprit) },
        ),
      );
    }
  }
  return results;
}
