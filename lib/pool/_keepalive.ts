// What keeps a Pool alive, so that a Pool dropped without close() can be
// collected and its workers terminated (Python's `Pool.__del__`). Workers
// hold their dispatcher only weakly; a pending result or imap iterator
// holds its pool (`own`), and one somebody waits on (a `then`, `get`,
// `wait`, a pending `next()` or a callback) is pinned until it settles, so
// whoever waits keeps the pool working for them.
import type { WorkerHandle } from "../_runtime/mod.ts";

const owners = new WeakMap<object, object>();
const pinned = new Set<object>();

/** Makes `pool` live at least as long as `result`. */
export function own(result: object, pool: object): void {
  owners.set(result, pool);
}

/** Keeps `result` (and so its pool) alive until `unpin`, if a pool owns it. */
export function pin(result: object): void {
  if (owners.has(result)) pinned.add(result);
}

/** Undoes `pin`: `result` settled, or nobody waits on it any more. */
export function unpin(result: object): void {
  pinned.delete(result);
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
