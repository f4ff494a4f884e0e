import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  activeChildren,
  cpuCount,
  currentProcess,
  Process,
  ProcessError,
} from "../mod.ts";
import { fixture, runFixture, sharedInts, waitUntil } from "./_helpers.ts";

const module = fixture("targets");
const targets = await import(
  module.href
) as typeof import("./fixtures/targets.ts");

describe("Process", () => {
  test("Process.start() runs a source-sent target that changes shared memory", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: (c: Int32Array, by: number) => void Atomics.add(c, 0, by),
      args: [shared, 5],
    });
    assert.equal(p.exitCode, null);
    assert.equal(p.isAlive(), false);
    p.start();
    assert.equal(p.isAlive(), true);
    await p.join();
    assert.equal(shared[0], 5);
    assert.equal(p.exitCode, 0);
    assert.equal(p.isAlive(), false);
  });

  test("Process.start() sends module exports by reference", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.increment,
      args: [shared, 3],
      module,
    });
    p.start();
    await p.join();
    assert.equal(shared[0], 3);
    assert.equal(p.exitCode, 0);
  });

  test("Process runs many children at once without losing an increment", async () => {
    const shared = sharedInts();
    const ps = globalThis.Array.from(
      { length: 4 },
      () =>
        new Process({
          target: targets.increment,
          args: [shared, 10_000],
          module,
        }),
    );
    for (const p of ps) p.start();
    await Promise.all(ps.map((p) => p.join()));
    assert.equal(shared[0], 40_000);
    assert.deepEqual(ps.map((p) => p.exitCode), [0, 0, 0, 0]);
    assert.equal(new Set(ps.map((p) => p.pid)).size, 4);
  });

  test("Process.exitCode is 1 when the target throws", async () => {
    const p = new Process({
      target: targets.fail,
      args: ["expected failure"],
      module,
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 1);
  });

  test("Process.exitCode is the code a target passes to process.exit()", async () => {
    const p = new Process({ target: targets.exitWith, args: [3], module });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 3);
  });

  test("Process.join() waits for an async target to settle", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.sleepThenMark,
      args: [shared, 50],
      module,
    });
    p.start();
    await p.join();
    assert.equal(shared[0], 1);
    assert.equal(p.exitCode, 0);
  });

  test("Process.join(timeoutMs) returns after the timeout while the target runs", async () => {
    const shared = sharedInts();
    const p = new Process({ target: targets.spin, args: [shared], module });
    p.start();
    await waitUntil(() => Atomics.load(shared, 1) === 1);
    const started = performance.now();
    await p.join(100);
    assert.ok(performance.now() - started >= 95);
    assert.equal(p.isAlive(), true);
    assert.equal(p.exitCode, null);
    Atomics.store(shared, 0, 1);
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test("Process.terminate() stops a busy target with exit code -15", async () => {
    const shared = sharedInts();
    const p = new Process({ target: targets.spin, args: [shared], module });
    p.start();
    await waitUntil(() => Atomics.load(shared, 1) === 1);
    await p.terminate();
    assert.equal(p.exitCode, -15);
    assert.equal(p.isAlive(), false);
    await p.join();
    await p.terminate(); // a second terminate is a no-op
    assert.equal(p.exitCode, -15);
  });

  test("Process.pid and currentProcess() identify the worker", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.whoAmI,
      args: [shared],
      module,
      name: "worker-x",
    });
    assert.equal(p.pid, null);
    p.start();
    await p.join();
    assert.equal(typeof p.pid, "number");
    assert.ok(p.pid! > 0);
    assert.equal(shared[0], p.pid);
    assert.equal(shared[1], "worker-x".length);
    assert.equal(p.name, "worker-x");
    assert.deepEqual(currentProcess(), { name: "MainProcess", pid: 0 });
  });

  test("Process.name defaults to Process-N", () => {
    const a = new Process({ target: () => {} });
    const b = new Process({ target: () => {} });
    assert.match(a.name, /^Process-\d+$/);
    assert.equal(Number(b.name.slice(8)), Number(a.name.slice(8)) + 1);
  });

  test("activeChildren() lists running processes only", async () => {
    const shared = sharedInts();
    const p = new Process({ target: targets.spin, args: [shared], module });
    p.start();
    assert.ok(activeChildren().includes(p as Process<never>));
    Atomics.store(shared, 0, 1);
    await p.join();
    assert.ok(!activeChildren().includes(p as Process<never>));
  });

  test("cpuCount() is a positive integer", () => {
    assert.ok(Number.isInteger(cpuCount()) && cpuCount() >= 1);
  });
});

describe("Process bad input", () => {
  test("new Process() rejects a non-function target", () => {
    assert.throws(
      () => new Process({ target: 42 as unknown as () => void }),
      {
        name: "TypeError",
        message:
          'Cannot create Process: "target" must be a function, received 42',
      },
    );
  });

  test("new Process() rejects an unknown option", () => {
    assert.throws(
      () => new Process({ target: () => {}, tagret: 1 } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message.startsWith(
          'Cannot create Process: unknown option "tagret"',
        ) &&
        error.message.endsWith("received 1"),
    );
  });

  test("new Process() rejects non-array args, a bad name and a relative module", () => {
    assert.throws(() => new Process({ target: () => {}, args: 5 as never }), {
      name: "TypeError",
      message: 'Cannot create Process: "args" must be an array, received 5',
    });
    assert.throws(() => new Process({ target: () => {}, name: 7 as never }), {
      name: "TypeError",
      message: 'Cannot create Process: "name" must be a string, received 7',
    });
    assert.throws(() => new Process({ target: () => {}, module: "./x.ts" }), {
      name: "TypeError",
      message:
        'Cannot create Process: "module" must hold absolute URLs such as import.meta.url, received "./x.ts"',
    });
  });

  test("new Process() rejects native and bound functions", () => {
    assert.throws(() => new Process({ target: Math.max }), {
      name: "TypeError",
      message:
        /^Cannot create Process: "target" is a native or bound function.*received function max$/,
    });
  });

  test("Process.start() twice throws ProcessError", async () => {
    const p = new Process({ target: () => {} });
    p.start();
    assert.throws(() => p.start(), {
      name: "ProcessError",
      message:
        `Cannot start process "${p.name}": it was already started (pid ${p.pid})`,
    });
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test("Process.join() before start() rejects with ProcessError", async () => {
    const p = new Process({ target: () => {}, name: "idle" });
    await assert.rejects(
      p.join(),
      (error: unknown) =>
        error instanceof ProcessError &&
        error.message === 'Cannot join process "idle": it has not been started',
    );
  });

  test("Process.join() rejects a non-numeric timeout", async () => {
    const p = new Process({ target: () => {}, name: "t" });
    await assert.rejects(p.join("5" as never), {
      name: "TypeError",
      message:
        'Cannot join process "t": timeout must be a number of milliseconds, received "5"',
    });
  });

  test("Process.start() names an argument that cannot be sent", () => {
    const p = new Process({
      target: (_a: number, _b: () => number) => {},
      args: [1, () => 2],
    });
    assert.throws(() => p.start(), {
      name: "TypeError",
      message:
        /^Cannot start process "Process-\d+": args\[1\] \(function \(anonymous\)\) could not be sent to a worker$/,
    });
    assert.equal(p.isAlive(), false);
  });
});

describe("Process as a script", () => {
  test("a script that never joins its Process still exits when the target ends", async () => {
    const { code, stdout } = await runFixture("unjoined");
    assert.equal(code, 0);
    assert.deepEqual(stdout.trim().split("\n").sort(), [
      "child says hello",
      "parent done",
    ]);
  });

  test("a script exits after terminating a busy Process", async () => {
    const { code, stdout } = await runFixture("terminate_busy");
    assert.equal(code, 0);
    assert.match(stdout, /^exitCode -15 alive false in \d+ ms\n$/);
    assert.ok(Number(/in (\d+) ms/.exec(stdout)![1]) < 1000);
  });

  test("a failing target prints its stack to stderr and exits with 1", async () => {
    const { code, stdout, stderr } = await runFixture("failing_targets");
    assert.equal(code, 0);
    assert.equal(
      stdout,
      "module exitCode 1\nsource exitCode 1\nclosure exitCode 1\n",
    );
    assert.match(
      stderr,
      /Process Process-1:\nRangeError: fixture failure\n\s+at fail .*targets\.[jt]s/,
    );
    assert.match(stderr, /Process Process-2:\nTypeError: source failure\n/);
    assert.match(
      stderr,
      /Process Process-3:\nReferenceError: Cannot run function "target" in a worker: it uses local, which is not defined there\. A function sent as source text must be self-contained/,
    );
  });
});
