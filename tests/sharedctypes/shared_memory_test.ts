import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FileExistsError,
  FileNotFoundError,
  Pool,
  Process,
  ProcessError,
  SharedMemory,
} from "../../mod.ts";
import { heapUsed } from "../../lib/sharedctypes/_heap.ts";
import { fixture, runProcesses } from "../_helpers.ts";

const module = fixture("shared_memory_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/shared_memory_targets.ts");

function unique(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
}

describe("SharedMemory", () => {
  test("new SharedMemory({ create, size }) makes a zeroed block with a fresh psm_ name", () => {
    using shm = new SharedMemory({ create: true, size: 10 });
    assert.match(shm.name, /^psm_[0-9a-f]{8}$/);
    assert.equal(shm.size, 10);
    assert.ok(shm.buf instanceof Uint8Array);
    assert.ok(shm.buf.buffer instanceof SharedArrayBuffer);
    assert.equal(shm.buf.length, 10);
    assert.deepEqual([...shm.buf], new globalThis.Array(10).fill(0));
    assert.equal(shm.toString(), `SharedMemory("${shm.name}", size=10)`);
    shm.unlink();
  });

  test("attaching by name sees the same bytes both ways", () => {
    const name = unique("attach");
    const a = new SharedMemory({ name, create: true, size: 5 });
    const b = new SharedMemory({ name });
    const c = new SharedMemory(name);
    a.buf.set([1, 2, 3, 4, 5]);
    assert.deepEqual([...b.buf], [1, 2, 3, 4, 5]);
    c.buf[4] = 99;
    assert.equal(a.buf[4], 99);
    assert.equal(b.size, 5);
    assert.equal(c.name, name);
    for (const shm of [a, b, c]) shm.close();
    // A block outlives its closed handles until it is unlinked.
    const d = new SharedMemory({ name });
    assert.equal(d.buf[0], 1);
    d.close();
    d.unlink();
  });

  test("a block reaches workers by name and as an object, and a worker's block reaches the main thread", async () => {
    const shm = new SharedMemory({ create: true, size: 8 });
    await runProcesses(1, () =>
      new Process({
        target: targets.writeByName,
        args: [shm.name, [7, 8, 9]],
        module,
      }));
    assert.deepEqual([...shm.buf.subarray(0, 4)], [7, 8, 9, 0]);
    await runProcesses(
      1,
      () => new Process({ target: targets.fillPassed, args: [shm, 5], module }),
    );
    assert.deepEqual([...shm.buf], new globalThis.Array(8).fill(5));
    {
      await using pool = new Pool(2, { module });
      assert.deepEqual(
        await pool.starmap(targets.fillPassed, [[shm, 6], [shm, 6]]),
        [8, 8],
      );
    }
    assert.deepEqual([...shm.buf], new globalThis.Array(8).fill(6));
    shm.close();
    shm.unlink();

    const name = unique("from_worker");
    await runProcesses(1, () =>
      new Process({
        target: targets.createNamed,
        args: [name, [4, 2]],
        module,
      }));
    using made = new SharedMemory({ name });
    assert.deepEqual([...made.buf], [4, 2]);
    made.unlink();
  });

  test("names do not collide: 4 workers × 200 fresh blocks, each its own memory", async () => {
    await using pool = new Pool(4, { module });
    const lists = await pool.starmap(
      targets.createMany,
      [[0, 200], [1, 200], [2, 200], [3, 200]],
      { chunksize: 1 },
    );
    const names = lists.flat();
    assert.equal(names.length, 800);
    assert.equal(new Set(names).size, 800);
    lists.forEach((list, worker) =>
      list.forEach((name, i) => {
        using shm = new SharedMemory({ name });
        const marker = new Int32Array(shm.buf.buffer, shm.buf.byteOffset, 1);
        assert.equal(marker[0], worker * 1000 + i);
        shm.unlink();
      })
    );
  });

  test("creating a taken name throws FileExistsError in every thread; an unknown name FileNotFoundError", async () => {
    const name = unique("taken");
    using shm = new SharedMemory({ name, create: true, size: 1 });
    assert.throws(() => new SharedMemory({ name, create: true, size: 1 }), {
      name: "FileExistsError",
      code: "EEXIST",
      message:
        `Cannot create SharedMemory: a shared memory block named "${name}" already exists`,
    });
    await using pool = new Pool(1, { module });
    assert.equal(
      await pool.apply(targets.tryCreate, [name]),
      "FileExistsError",
    );
    assert.throws(() => new SharedMemory({ name: unique("missing") }), (e) => {
      assert.ok(e instanceof FileNotFoundError);
      assert.equal(e.code, "ENOENT");
      assert.match(
        e.message,
        /^Cannot attach SharedMemory: no shared memory block is named "missing_\w+"$/,
      );
      return true;
    });
    shm.unlink();
    assert.equal(await pool.apply(targets.tryCreate, [name]), "created");
    new SharedMemory(name).unlink();
  });

  test("unlink() removes the name; open handles keep the memory, and the name can be reused", () => {
    const name = unique("unlinked");
    const first = new SharedMemory({ name, create: true, size: 4 });
    first.buf.set([1, 1, 1, 1]);
    const second = new SharedMemory({ name });
    second.unlink();
    assert.throws(() => new SharedMemory({ name }), FileNotFoundError);
    assert.throws(() => first.unlink(), {
      name: "FileNotFoundError",
      message:
        `Cannot unlink SharedMemory: no shared memory block is named "${name}" (already unlinked)`,
    });
    const again = new SharedMemory({ name, create: true, size: 4 });
    assert.deepEqual([...again.buf], [0, 0, 0, 0]);
    again.buf.fill(9);
    assert.deepEqual([...first.buf], [1, 1, 1, 1]);
    assert.deepEqual([...second.buf], [1, 1, 1, 1]);
    first.close();
    second.close();
    again.close();
    again.unlink();
  });

  test("close() ends the handle: buf throws, close is idempotent, using closes", () => {
    const shm = new SharedMemory({ create: true, size: 3 });
    let scoped: SharedMemory;
    {
      using other = new SharedMemory({ name: shm.name });
      scoped = other;
      assert.equal(other.buf.length, 3);
    }
    assert.throws(() => scoped.buf, {
      name: "ProcessError",
      message: `Cannot use SharedMemory "${shm.name}": this handle is closed`,
    });
    shm.close();
    shm.close();
    assert.throws(() => shm.buf, ProcessError);
    shm.unlink(); // a closed handle may still unlink, as in Python
    assert.throws(() => new SharedMemory(shm.name), FileNotFoundError);
  });

  test("freed blocks are reused, zeroed, and never overlap live ones", () => {
    const before = heapUsed();
    for (let i = 0; i < 200; i++) {
      const shm = new SharedMemory({ create: true, size: 1 << 16 });
      shm.buf.fill(0xff);
      shm.close();
      shm.unlink();
    }
    assert.ok(
      heapUsed() - before <= (1 << 16) + 4096,
      `grew ${heapUsed() - before}`,
    );
    // Random sizes, random frees: every live block keeps its own pattern.
    let seed = 7;
    const random = () =>
      (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const live: { shm: SharedMemory; mark: number }[] = [];
    for (let round = 0; round < 400; round++) {
      if (live.length > 0 && random() < 0.45) {
        const [gone] = live.splice(Math.floor(random() * live.length), 1);
        gone.shm.unlink();
        gone.shm.close();
      } else {
        const shm = new SharedMemory({
          create: true,
          size: 1 + Math.floor(random() * 5000),
        });
        assert.ok(shm.buf.every((b) => b === 0), "a new block is zeroed");
        const mark = 1 + (round % 250);
        shm.buf.fill(mark);
        live.push({ shm, mark });
      }
      for (const { shm, mark } of live) {
        assert.ok(shm.buf.every((b) => b === mark), `block ${shm.name} intact`);
      }
    }
    for (const { shm } of live) {
      shm.close();
      shm.unlink();
    }
  });

  test("new SharedMemory() rejects bad options with Python's rules", () => {
    assert.throws(() => new SharedMemory(), {
      name: "TypeError",
      message:
        'Cannot attach SharedMemory: "name" is required unless create is true, received null',
    });
    assert.throws(() => new SharedMemory({ create: true }), {
      name: "RangeError",
      message:
        'Cannot create SharedMemory: "size" must be a positive number different from zero, received 0',
    });
    assert.throws(() => new SharedMemory({ create: true, size: -1 }), {
      name: "RangeError",
      message:
        'Cannot create SharedMemory: "size" must be a positive integer, received -1',
    });
    assert.throws(() => new SharedMemory({ create: true, size: 1.5 }), {
      name: "RangeError",
    });
    assert.throws(
      () => new SharedMemory({ create: true, size: "8" as never }),
      {
        name: "TypeError",
        message:
          'Cannot create SharedMemory: "size" must be a number, received "8"',
      },
    );
    assert.throws(() => new SharedMemory({ create: 1 as never, size: 8 }), {
      name: "TypeError",
      message:
        'Cannot attach SharedMemory: "create" must be a boolean, received 1',
    });
    assert.throws(
      () => new SharedMemory({ name: "x".repeat(65), create: true, size: 1 }),
      {
        name: "RangeError",
        message:
          /^Cannot create SharedMemory: "name" must have 1 to 64 UTF-8 bytes/,
      },
    );
    assert.throws(() => new SharedMemory({ nmae: "x" } as never), {
      name: "TypeError",
      message: /^Cannot attach SharedMemory: unknown option "nmae"/,
    });
    assert.throws(() => new SharedMemory({ create: true, size: 2 ** 40 }), {
      name: "RangeError",
      message: /^Cannot create SharedMemory: the shared heap is full/,
    });
    assert.ok(!(new FileExistsError() instanceof ProcessError));
  });
});
