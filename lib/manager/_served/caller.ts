// Who is calling a served object's method: the client connection, alive
// until it disconnects. Owner-aware objects (RLock, Condition) tell their
// holders apart by it, and every wait is tied to it, so that a client that
// leaves has its pending waits cancelled instead of handed items or units.

/** A client as served objects see it. */
export class Caller {
  #alive = true;
  #cancels = new Set<() => void>();

  /** Whether the client is still connected. */
  get alive(): boolean {
    return this.#alive;
  }

  /**
   * Calls `cancel` if the client leaves first.
   *
   * @returns A function that stops watching.
   */
  watch(cancel: () => void): () => void {
    if (!this.#alive) {
      cancel();
      return () => {};
    }
    this.#cancels.add(cancel);
    return () => this.#cancels.delete(cancel);
  }

  /** The client left: cancels its waits. */
  leave(): void {
    this.#alive = false;
    const cancels = [...this.#cancels];
    this.#cancels.clear();
    for (const cancel of cancels) cancel();
  }
}

let current: Caller | null = null;

/**
 * The client whose call is running (valid in the synchronous part of a
 * method); a new anonymous caller outside any request.
 */
export function currentCaller(): Caller {
  return current ?? new Caller();
}

/** Runs `fn` (a served method) on behalf of `caller`. */
export function callAs<T>(caller: Caller, fn: () => T): T {
  const outer = current;
  current = caller;
  try {
    return fn();
  } finally {
    current = outer;
  }
}
