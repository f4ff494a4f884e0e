// How a served object learns that the server let it go: its last reference
// was dropped, or the server is shutting down. A Pool the server owns
// closes (or terminates) its workers then, instead of leaking them.

/** The method a served object may have; `shutdown` tells why it is called. */
export const RELEASED: unique symbol = Symbol("served object released");

interface Releasable {
  [RELEASED](shutdown: boolean): unknown;
}

/**
 * Tells `value` it was released, if it wants to know; resolves once it is
 * done winding down (never rejects: a failure to clean up cannot be
 * reported anywhere). Released again with `shutdown` while winding down,
 * it must stop at once.
 */
export async function release(value: object, shutdown: boolean): Promise<void> {
  if (!(RELEASED in value)) return;
  try {
    await (value as Releasable)[RELEASED](shutdown);
  } catch {
    // Nobody is left to tell.
  }
}
