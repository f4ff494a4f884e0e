// What keeps a Pool alive, so that a Pool dropped without close() can be
// collected and its workers terminated (Python's `Pool.__del__`). Workers
// hold their dispatcher only weakly; a pending result or imap iterator
// holds its pool (`own`), and one somebody waits on (a `then`, `get`,
// `wait`, a pending `next()` or a callback) is pinned until it settles, so
// whoever waits keeps the pool working for them.

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
