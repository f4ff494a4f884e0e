/**
 * `SharedMemory`: Python's `multiprocessing.shared_memory.SharedMemory`, a
 * named block of bytes that any thread of the program can attach to by name.
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
import { describe, optionsObject } from "../_core/validate.ts";
import { ProcessError } from "../errors.ts";
import {
  type BlockRef,
  closeBlock,
  createBlock,
  type OpenBlock,
  openBlock,
  reopenBlock,
  unlinkBlock,
} from "./_heap.ts";

/** Options of {@linkcode SharedMemory}. */
export interface SharedMemoryOptions {
  /** The block's name; with `create`, `null` picks a fresh one (`psm_…`). @default null */
  name?: string | null;
  /** Create a new block (`true`) or attach to an existing one. @default false */
  create?: boolean;
  /** Bytes of a new block; ignored when attaching. @default 0 */
  size?: number;
}

/** What a SharedMemory reduces to for a trip to another thread. */
interface SharedMemoryState extends BlockRef {
  readonly name: string;
}

const TAG = "SharedMemory";
const KNOWN = ["name", "create", "size"];

/** Closes handles that are garbage-collected unclosed, like Python's `__del__`. */
const collected = new FinalizationRegistry<BlockRef>(closeBlock);
/** Ties a handle's `buf` to the handle, so the handle lives as long as it. */
const OWNER = Symbol("SharedMemory");

/**
 * A named block of shared bytes, like Python's `SharedMemory`. Create one
 * with `{ create: true, size }`; any thread attaches to it with `{ name }`,
 * and passing the object itself to a `Process` or pool task attaches too.
 * `buf` is a `Uint8Array` over the same memory in every thread.
 *
 * Blocks live in one growable heap shared by every thread of the OS
 * process (reserved up to 4 GiB), so attaching by name never waits for
 * another thread. As with POSIX shared memory, `unlink()` removes the name,
 * and the memory is reused once the block is unlinked and every handle on
 * it is closed — by `close()`, `using`, or the handle (with its `buf`) being
 * garbage-collected. Do not use views made from `buf` (`subarray()`, typed
 * arrays over `buf.buffer`) after that: keep the handle or its `buf` alive
 * while you do. The size is exactly what was asked for (POSIX rounds up to
 * a page).
 *
 * @example Usage
 * ```ts
 * import { SharedMemory } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const shm = new SharedMemory({ create: true, size: 16 });
 * shm.buf.set([1, 2, 3]);
 * const other = new SharedMemory({ name: shm.name }); // e.g. in a worker
 * assert.deepEqual([...other.buf.subarray(0, 3)], [1, 2, 3]);
 * assert.equal(other.size, 16);
 * other.close();
 * shm.close();
 * shm.unlink();
 * ```
 */
export class SharedMemory {
  #block: OpenBlock;
  #buf: Uint8Array | null;

  /**
   * Creates a block or attaches to one.
   *
   * @param options `{ name, create, size }`, or a name to attach to.
   * @throws {FileExistsError} If `create` and a block has that name.
   * @throws {FileNotFoundError} If attaching and no block has that name.
   * @throws {RangeError} If `size` is negative, not an integer, 0 with
   * `create`, larger than the heap, or the name is longer than 64 bytes.
   * @throws {TypeError} If `name` is missing when attaching, or an option
   * is of the wrong type.
   */
  constructor(options?: SharedMemoryOptions | string);
  /** @ignore The block a rebuilt handle already opened. */
  constructor(options: undefined, block: Adopted<OpenBlock>);
  constructor(
    options?: SharedMemoryOptions | string,
    block?: Adopted<OpenBlock>,
  ) {
    this.#block = adoptedOr(
      block,
      () => open(typeof options === "string" ? { name: options } : options),
    );
    this.#buf = this.#block.buf;
    Object.defineProperty(this.#buf, OWNER, { value: this });
    collected.register(this, this.#block, this);
  }

  /** The bytes of the block. @throws {ProcessError} After `close()`. */
  get buf(): Uint8Array {
    if (this.#buf === null) {
      throw new ProcessError(
        `Cannot use SharedMemory ${
          JSON.stringify(this.name)
        }: this handle is closed`,
      );
    }
    return this.#buf;
  }

  /** The name other threads attach to. */
  get name(): string {
    return this.#block.name;
  }

  /** Size in bytes. */
  get size(): number {
    return this.#block.size;
  }

  /** Closes this handle (the block stays until unlinked); idempotent. */
  close(): void {
    if (this.#buf === null) return;
    this.#buf = null;
    collected.unregister(this);
    closeBlock(this.#block);
  }

  /**
   * Removes the block's name; its memory is reused once every handle is
   * closed. Call it once, from any handle (even a closed one).
   *
   * @throws {FileNotFoundError} If the block was already unlinked.
   */
  unlink(): void {
    unlinkBlock("unlink SharedMemory", this.#block, this.name);
  }

  /** Closes this handle at the end of a `using` scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @ignore */
  [reduce](): Reduced {
    const { offset, serial, name } = this.#block;
    return reduced(TAG, { offset, serial, name } satisfies SharedMemoryState);
  }

  /** `SharedMemory("psm_…", size=16)`, as Python prints it. */
  toString(): string {
    return `SharedMemory(${JSON.stringify(this.name)}, size=${this.size})`;
  }
}

function open(options: SharedMemoryOptions | undefined): OpenBlock {
  const create = options?.create === true;
  const what = create ? "create SharedMemory" : "attach SharedMemory";
  const { name = null, size = 0 } = optionsObject(what, options, KNOWN);
  if (options?.create !== undefined && typeof options.create !== "boolean") {
    throw new TypeError(
      `Cannot ${what}: "create" must be a boolean, received ${
        describe(options.create)
      }`,
    );
  }
  if (name !== null && typeof name !== "string") {
    throw new TypeError(
      `Cannot ${what}: "name" must be a string or null, received ${
        describe(name)
      }`,
    );
  }
  if (typeof size !== "number") {
    throw new TypeError(
      `Cannot ${what}: "size" must be a number, received ${describe(size)}`,
    );
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(
      `Cannot ${what}: "size" must be a positive integer, received ${size}`,
    );
  }
  if (!create) {
    if (name === null) {
      throw new TypeError(
        `Cannot ${what}: "name" is required unless create is true, received null`,
      );
    }
    return openBlock(what, name);
  }
  if (size === 0) {
    throw new RangeError(
      `Cannot ${what}: "size" must be a positive number different from zero, received 0`,
    );
  }
  return createBlock(what, name, size);
}

registerShareable(TAG, (state) => {
  const { name, ...ref } = state as SharedMemoryState;
  const block = reopenBlock("attach SharedMemory", ref, name);
  return new SharedMemory(undefined, new Adopted(block));
});
