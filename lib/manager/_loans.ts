// Proxies in transit between threads. A thread that sends a proxy lends it
// (LEND on its connection, with a fresh key): the server holds the object
// until the receiving thread has attached and ends the loan (UNLEND with
// that key, on its own connection). The UNLEND may overtake the LEND (two
// connections): it is remembered until its LEND comes, which then holds
// nothing.
import type { Session } from "./_session.ts";

/** The most early UNLENDs remembered (their LEND still in flight). */
const EARLY_UNLENDS = 10_000;

/** The server's loans, by key. */
export class Loans {
  #loans = new Map<string, { session: Session; id: number }>();
  #early = new Set<string>();

  /**
   * `session` lends object `id` (alive: `exists`) under `key`; returns
   * whether the server must hold the object one more time for it.
   */
  lend(session: Session, id: number, key: string, exists: boolean): boolean {
    if (this.#early.delete(key)) return false;
    if (!exists || this.#loans.has(key)) return false;
    this.#loans.set(key, { session, id });
    session.loans.set(key, id);
    return true;
  }

  /** Ends the loan `key`; returns the object to let go of, if any. */
  unlend(key: string): number | undefined {
    const loan = this.#loans.get(key);
    if (loan === undefined) {
      // Its LEND is still on the way, on the lender's connection.
      if (this.#early.size >= EARLY_UNLENDS) {
        this.#early.delete(this.#early.values().next().value!);
      }
      this.#early.add(key);
      return undefined;
    }
    this.#loans.delete(key);
    loan.session.loans.delete(key);
    return loan.id;
  }

  /** Ends the loans of a session that left; returns their objects. */
  drop(session: Session): number[] {
    const ids = [...session.loans.values()];
    for (const key of session.loans.keys()) this.#loans.delete(key);
    session.loans.clear();
    return ids;
  }
}
