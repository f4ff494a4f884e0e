import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Lock,
  Process,
  RawValue,
  RLock,
  Semaphore,
  Synchronized,
  Value,
} from "../../mod.ts";
import { fixture, runProcesses } from "../_helpers.ts";

const module = fixture("sync_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/sync_targets.ts");

function run<A extends unknown[]>(
  target: (...args: A) => void,
  args: A,
): Promise<void> {
  return runProcesses(
    4,
    () => new Process({ target, args, module }) as Process<never>,
  );
}

describe("Value", () => {
  test("Value stress: 4 workers × 100,000 increments under getLock() reach exactly 400,000 (RLock and Lock)", async () => {
    for (
      const value of [
        new Value("i", 0),
        new Value("i", 0, { lock: new Lock() }),
      ]
    ) {
      await run(targets.valueIncrements, [value, 100_000]);
      assert.equal(value.value, 400_000);
    }
  });

  test("Value stress: 4 workers × 100,000 increments under Semaphore(1) reach exactly 400,000", async () => {
    const value = new RawValue("i", 0);
    await run(targets.guardedIncrements, [new Semaphore(1), value, 100_000]);
    assert.equal(value.value, 400_000);
  });

  test("Value stress: 4 workers × 100,000 lock-free add(1) reach exactly 400,000", async () => {
    const value = new Value("i", 0);
    await run(targets.atomicIncrements, [value, 100_000]);
    assert.equal(value.value, 400_000);
  });

  test("Value holds every typecode with its JavaScript type", () => {
    assert.equal(new Value("b", -5).value, -5);
    assert.equal(new Value("B").value, 0);
    assert.equal(new Value("H", 65535).value, 65535);
    assert.equal(new Value("I", 2 ** 32 - 1).value, 2 ** 32 - 1);
    assert.equal(new Value("l", -7).value, -7);
    assert.equal(new Value("q", -(2n ** 62n)).value, -(2n ** 62n));
    assert.equal(new Value("Q").value, 0n);
    assert.equal(new Value("f", 0.5).value, 0.5);
    assert.equal(new Value("d", Math.PI).value, Math.PI);
    assert.equal(new Value("c", 65).value, 65);
    assert.equal(new Value("?", true).value, true);
    assert.equal(new Value("?").value, false);
    const flag = new Value("?", false);
    flag.value = true;
    assert.equal(flag.value, true);
    assert.equal(flag.typecode, "?");
  });

  test("Value atomics: add, sub, exchange, compareExchange, load, store", () => {
    const n = new Value("i", 10);
    assert.equal(n.add(5), 10);
    assert.equal(n.sub(3), 15);
    assert.equal(n.exchange(100), 12);
    assert.equal(n.compareExchange(1, 2), 100);
    assert.equal(n.compareExchange(100, 7), 100);
    assert.equal(n.load(), 7);
    assert.equal(n.store(9), 9);
    assert.equal(n.value, 9);
    const big = new RawValue("q", 1n);
    assert.equal(big.add(2n ** 40n), 1n);
    assert.equal(big.load(), 2n ** 40n + 1n);
  });

  test("Value lock option: true or null makes an RLock, a lock is shared, false gives a RawValue", () => {
    const lock = new Lock();
    const shared = new Value("i", 1, { lock });
    assert.equal(shared.getLock(), lock);
    assert.ok(new Value("i").getLock() instanceof RLock);
    assert.ok(new Value("i", 0, { lock: true }) instanceof Synchronized);
    assert.ok(new Value("i", 0) instanceof Value);
    const byDefault = new Value("i", 5, { lock: null });
    assert.ok(byDefault instanceof Synchronized);
    assert.ok(byDefault.getLock() instanceof RLock);
    assert.equal(byDefault.value, 5);
    const raw = new Value("i", 3, { lock: false });
    assert.ok(raw instanceof RawValue);
    assert.ok(!(raw instanceof Synchronized));
    assert.equal("getLock" in raw, false);
    const obj = shared.getObj();
    obj.value = 42;
    assert.equal(shared.value, 42);
    assert.ok(!(obj instanceof Synchronized));
  });

  test("Value passed to a Process arrives as the same memory with the same lock", async () => {
    const value = new Value("d", 1.25);
    const p = new Process({
      // Not `using`: tsc lowers it to a helper a source-sent function lacks.
      target: (v: Value<"d">) => {
        v.getLock().acquire();
        v.value *= 2;
        v.getLock().release();
      },
      args: [value],
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(value.value, 2.5);
  });
});

describe("Value bad input", () => {
  test("new Value() rejects an unknown typecode, listing the valid ones", () => {
    assert.throws(() => new Value("x" as never), {
      name: "TypeError",
      message:
        'Cannot create Value: unknown typecode (valid: b B h H i I l L q Q f d c ?), received "x"',
    });
    assert.throws(() => new RawValue(5 as never), {
      name: "TypeError",
      message:
        "Cannot create RawValue: unknown typecode (valid: b B h H i I l L q Q f d c ?), received 5",
    });
  });

  test("new Value() rejects an initial value of the wrong type or range", () => {
    assert.throws(() => new Value("i", "1" as never), {
      name: "TypeError",
      message: 'Cannot create Value: typecode "i" holds numbers, received "1"',
    });
    assert.throws(() => new Value("q", 1 as never), {
      name: "TypeError",
      message: 'Cannot create Value: typecode "q" holds bigints, received 1',
    });
    assert.throws(() => new Value("?", 1 as never), {
      name: "TypeError",
      message: 'Cannot create Value: typecode "?" holds booleans, received 1',
    });
    assert.throws(() => new Value("B", 256), {
      name: "RangeError",
      message:
        'Cannot create Value: typecode "B" holds integers from 0 to 255, received 256',
    });
    assert.throws(() => new Value("i", 1.5), {
      name: "RangeError",
      message:
        'Cannot create Value: typecode "i" holds integers from -2147483648 to 2147483647, received 1.5',
    });
  });

  test("Value.value = x stores each integer typecode's bounds and refuses what lies past them, fractions, NaN and other types", () => {
    const bounds = {
      b: [-128, 127],
      B: [0, 255],
      h: [-32768, 32767],
      H: [0, 65535],
      i: [-(2 ** 31), 2 ** 31 - 1],
      I: [0, 2 ** 32 - 1],
      l: [-(2 ** 31), 2 ** 31 - 1],
      L: [0, 2 ** 32 - 1],
      c: [0, 255],
    } as const;
    for (const [code, [min, max]] of Object.entries(bounds)) {
      const v = new Value(code as "i", 0);
      v.value = min;
      assert.equal(v.value, min);
      v.value = max;
      assert.equal(v.value, max);
      for (const bad of [min - 1, max + 1, 0.5, NaN, Infinity]) {
        assert.throws(() => (v.value = bad), { name: "RangeError" }, code);
      }
      assert.throws(() => (v.value = "1" as never), { name: "TypeError" });
      assert.throws(() => (v.value = 1n as never), { name: "TypeError" });
      assert.equal(v.value, max);
    }
    const d = new Value("d", 0);
    d.value = -0;
    assert.ok(Object.is(d.value, -0));
    d.value = NaN;
    assert.ok(Number.isNaN(d.value));
    const flag = new Value("?", false);
    assert.throws(() => (flag.value = 1 as never), { name: "TypeError" });
    const q = new Value("q", 0n);
    assert.throws(() => (q.value = 1 as never), { name: "TypeError" });
    q.value = -(2n ** 63n);
    assert.equal(q.value, -(2n ** 63n));
  });

  test("Value rejects a bad lock option, a bad assignment and atomics on floats", () => {
    assert.throws(() => new Value("i", 0, { lock: 1 as never }), {
      name: "TypeError",
      message:
        'Cannot create Value: "lock" must be a boolean, null, a Lock or an RLock, received 1',
    });
    const v = new Value("h", 1);
    assert.throws(() => (v.value = 40_000), {
      name: "RangeError",
      message:
        'Cannot set value: typecode "h" holds integers from -32768 to 32767, received 40000',
    });
    assert.equal(v.value, 1);
    const d = new Value("d", 1) as unknown as Value<"i">;
    assert.throws(() => d.add(1), {
      name: "TypeError",
      message:
        'Cannot add: atomic operations need an integer typecode, received "d"',
    });
    assert.throws(() => v.add(1n as never), {
      name: "TypeError",
      message: 'Cannot update value: typecode "h" holds numbers, received 1n',
    });
  });
});
