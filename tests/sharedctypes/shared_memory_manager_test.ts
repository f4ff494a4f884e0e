import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FileNotFoundError,
  Pool,
  ShareableList,
  SharedMemory,
  SharedMemoryManager,
} from "../../mod.ts";
import { fixture } from "../_helpers.ts";

const module = fixture("shared_memory_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/shared_memory_targets.ts");

describe("SharedMemoryManager", () => {
  test("shutdown() unlinks what it created, here and in workers, and nothing else", async () => {
    const smm = new SharedMemoryManager();
    await smm.start();
    const mine = smm.SharedMemory(16);
    mine.buf[0] = 1;
    const list = smm.ShareableList([1, "a"]);
    const other = new SharedMemoryManager();
    const theirs = other.SharedMemory(4);
    using unmanaged = new SharedMemory({ create: true, size: 4 });
    let fromWorker: string[];
    {
      await using pool = new Pool(1, { module });
      fromWorker = await pool.apply(targets.createThrough, [smm]);
    }
    using seen = new SharedMemory({ name: fromWorker[0] });
    assert.equal(seen.buf[0], 42);
    assert.deepEqual(
      new ShareableList(null, { name: fromWorker[1] }).toArray(),
      ["made in a worker"],
    );
    await smm.shutdown();
    for (const name of [mine.name, list.shm.name, ...fromWorker]) {
      assert.throws(() => new SharedMemory({ name }), FileNotFoundError);
    }
    // Open handles still work after shutdown, as after Python's unlink.
    assert.equal(mine.buf[0], 1);
    assert.deepEqual(list.toArray(), [1, "a"]);
    // Other managers' blocks and unmanaged blocks stay.
    new SharedMemory({ name: theirs.name }).close();
    new SharedMemory({ name: unmanaged.name }).close();
    await other.shutdown();
    assert.throws(
      () => new SharedMemory({ name: theirs.name }),
      FileNotFoundError,
    );
    unmanaged.unlink();
    for (const shm of [mine, list.shm, theirs]) shm.close();
  });

  test("after shutdown() the manager creates nothing; shutdown() again and await using are fine", async () => {
    let outer: SharedMemoryManager;
    let name: string;
    {
      await using smm = new SharedMemoryManager();
      outer = smm;
      using shm = smm.SharedMemory(1);
      name = shm.name;
    }
    assert.throws(() => new SharedMemory({ name }), FileNotFoundError);
    assert.throws(() => outer.SharedMemory(1), {
      name: "ProcessError",
      message:
        "Cannot create SharedMemory: the SharedMemoryManager was shut down",
    });
    assert.throws(() => outer.ShareableList([1]), {
      name: "ProcessError",
      message:
        "Cannot create ShareableList: the SharedMemoryManager was shut down",
    });
    await outer.shutdown();
  });
});
