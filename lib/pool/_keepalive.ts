// What keeps a Pool alive, so that a Pool dropped without close() can be
// collected and its workers terminated (Python's `Pool.__del__`). Workers
// hold their dispatcher only weakly; a pending result or imap iterator
// holds its pool's Keeper, and while one is waited on (a `then`, `get`,
// `wait`, a pending `next()` or a callback) the Keeper holds the pool, so
// whoever waits keeps the pool working for them.
import type { WorkerHandle } from "../_runtime/mod.ts";

/** The key under which a pool's results find its Keeper (see `keeperOf`). */
export const KEEPER: unique symbol = Symbol("keeper");

/** Keepers that somebody waits on: these pools stay alive. */
const waitedOn = new Set<Keeper>();

/**
 * One per pool: its results and imap iterators hold it (and through it the
 * pool). While one of them is waited on, the Keeper is in a module-level
 * set, so the pool stays alive. Counting costs less per task than a set of
 * results would.
 */
export class Keeper {
  readonly pool: object;
  #waiting = 0;

  constructor(pool: object) {
    this.pool = pool;
  }

  /** Somebody started waiting on one of the pool's results. */
  hold(): void {
    if (this.#waiting++ === 0) waitedOn.add(this);
  }

  /** Undoes one `hold()`. */
  release(): void {
    if (--this.#waiting === 0) waitedOn.delete(this);
  }
}

/**
 * The Keeper a pool put in the callbacks it gave an `AsyncResult`; a hidden
 * key, so the public constructor stays as it is.
 */
export function keeperOf(callbacks: object): Keeper | undefined {
  return (callbacks as { [KEEPER]?: Keeper })[KEEPER];
}

/** What the finalizer of a dropped Pool needs; it leads to no job or result. */
export interface DropState {
  readonly handles: Set<WorkerHandle>;
  readonly processes: number;
  /** close() was called: the workers were to exit anyway, so no warning. */
  closed: boolean;
}

/**
 * Terminates the workers of a Pool that was dropped (it and every result it
 * owes are unreachable) before `terminate()` or `join()`, like Python's
 * `Pool.__del__`, and says how to avoid it.
 */
const dropped = new FinalizationRegistry<DropState>((state) => {
  if (!state.closed) {
    console.error(
      `Warning: a Pool of ${state.processes} worker${
        state.processes === 1 ? "" : "s"
      } was garbage-collected while running; its workers were terminated. Call pool.close() and await pool.join() when done, or create it with \`await using pool = new Pool()\`.`,
    );
  }
  for (const handle of state.handles) void handle.terminate();
  state.handles.clear();
});

/** Terminates `pool`'s workers (`handles`) if it is dropped while running. */
export function watchDrop(
  pool: object,
  handles: Set<WorkerHandle>,
  processes: number,
): DropState {
  const state: DropState = { handles, processes, closed: false };
  dropped.register(pool, state, pool);
  return state;
}

/** `pool` was terminated: nothing to do when it is dropped. */
export function unwatchDrop(pool: object): void {
  dropped.unregister(pool);
}
