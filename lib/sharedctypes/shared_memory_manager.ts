/**
 * `SharedMemoryManager`: Python's `multiprocessing.managers.SharedMemoryManager`,
 * which creates `SharedMemory` blocks and `ShareableList`s and unlinks them
 * all at `shutdown()`.
 *
 * @module
 */
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { Adopted, adoptedOr } from "../_core/shared.ts";
import { ProcessError } from "../errors.ts";
import { claimBlock, newOwner, unlinkOwned } from "./_heap.ts";
import { type ShareableItem, ShareableList } from "./shareable_list.ts";
import { SharedMemory } from "./shared_memory.ts";

const TAG = "SharedMemoryManager";

/**
 * Tracks the shared memory it creates and unlinks it at `shutdown()`, like
 * Python's `SharedMemoryManager`. No server is needed: blocks live in the
 * heap every thread shares, and each remembers its manager there, so a
 * manager passed to a `Process` or pool task creates blocks that the
 * original's `shutdown()` unlinks too. Handles stay usable after
 * `shutdown()`; the memory is reused once they are closed.
 *
 * @example Usage
 * ```ts
 * import { SharedMemory, SharedMemoryManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const smm = new SharedMemoryManager();
 * await smm.start();
 * const shm = smm.SharedMemory(128);
 * const list = smm.ShareableList([1, "two", null]);
 * assert.equal(list.get(1), "two");
 * await smm.shutdown(); // unlinks both
 * assert.throws(() => new SharedMemory({ name: shm.name }), { name: "FileNotFoundError" });
 * shm.close();
 * list.shm.close();
 * ```
 */
export class SharedMemoryManager {
  #owner: number;
  #shutDown = false;

  /** Creates a manager; it works at once (`start()` is kept for Python's sake). */
  constructor();
  /** @ignore The owner number of the manager a rebuilt one stands for. */
  constructor(owner: Adopted<number>);
  constructor(owner?: Adopted<number>) {
    this.#owner = adoptedOr(owner, newOwner);
  }

  /** Does nothing: there is no server to start. Kept so Python code ports as is. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Creates a block of `size` bytes that `shutdown()` will unlink.
   *
   * @param size Bytes; at least 1.
   * @returns The new block's handle.
   * @throws {ProcessError} After `shutdown()` of this handle.
   * @throws {RangeError} If `size` is not a positive integer.
   */
  SharedMemory(size: number): SharedMemory {
    this.#running("create SharedMemory");
    const shm = new SharedMemory({ create: true, size });
    claimBlock(shm.name, this.#owner);
    return shm;
  }

  /**
   * Creates a list holding `sequence` that `shutdown()` will unlink.
   *
   * @param sequence The items.
   * @returns The new list.
   * @throws {ProcessError} After `shutdown()` of this handle.
   * @throws {TypeError} If an item cannot be held by a ShareableList.
   */
  ShareableList(sequence?: Iterable<ShareableItem>): ShareableList {
    this.#running("create ShareableList");
    const list = new ShareableList(sequence ?? []);
    claimBlock(list.shm.name, this.#owner);
    return list;
  }

  /**
   * Unlinks every block this manager (in any thread) created and that is
   * still linked. Later calls do nothing.
   *
   * @returns Resolves once they are unlinked.
   */
  shutdown(): Promise<void> {
    if (!this.#shutDown) {
      this.#shutDown = true;
      unlinkOwned(this.#owner);
    }
    return Promise.resolve();
  }

  /** Shuts down at the end of an `await using` scope, like Python's `with`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced(TAG, this.#owner);
  }

  #running(what: string): void {
    if (this.#shutDown) {
      throw new ProcessError(
        `Cannot ${what}: the SharedMemoryManager was shut down`,
      );
    }
  }
}

registerShareable(
  TAG,
  (owner) => new SharedMemoryManager(new Adopted(owner as number)),
);
