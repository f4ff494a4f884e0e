import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  activeChildren,
  cpuCount,
  currentProcess,
  parentProcess,
  Pool,
  Process,
  ProcessError,
} from "../mod.ts";
import { runtime } from "../lib/_runtime/mod.ts";
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

  test("Process.terminate() stops an idle target with exit code -15", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.sleepThenMark,
      args: [shared, 60_000],
      module,
    });
    p.start();
    await p.join(100);
    await p.terminate();
    assert.equal(p.exitCode, -15);
    assert.equal(p.isAlive(), false);
    await p.join();
    await p.terminate(); // a second terminate is a no-op
    assert.equal(p.exitCode, -15);
  });

  test("Process.terminate() resolves only once a busy thread has stopped, else rejects and stays alive", async () => {
    const shared = sharedInts(3);
    const p = new Process({
      target: targets.spinCounting,
      args: [shared],
      module,
      name: "busy",
    });
    p.start();
    await waitUntil(() => Atomics.load(shared, 1) === 1);
    const started = performance.now();
    const error = await p.terminate().then(() => null, (e: unknown) => e);
    const took = performance.now() - started;
    const count = Atomics.load(shared, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const moved = Atomics.load(shared, 2) - count;
    if (error === null) {
      assert.equal(moved, 0, "the thread ran on after terminate() resolved");
      assert.equal(p.exitCode, -15);
      assert.equal(p.isAlive(), false);
    } else {
      assert.ok(error instanceof ProcessError);
      assert.match(
        error.message,
        /^Cannot terminate process "busy": the runtime has not stopped its thread after 1000 ms/,
      );
      assert.ok(took >= 990, `rejected after ${took} ms`);
      assert.ok(moved > 0);
      assert.equal(p.isAlive(), true);
      assert.equal(p.exitCode, null);
      // Once the loop returns to the event loop, the runtime stops the thread.
      Atomics.store(shared, 0, 1);
      await p.join(5000);
      assert.equal(p.exitCode, -15);
      assert.equal(p.isAlive(), false);
    }
    // Deno 2.9 cannot stop a thread busy in JavaScript; Node and Bun can.
    assert.equal(error !== null, runtime.name === "deno");
  });

  test("Process ends like a script: the target's pending timers still run", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.markLater,
      args: [shared, 200],
      module,
    });
    p.start();
    await p.join(10_000);
    assert.equal(p.exitCode, 0);
    assert.equal(shared[0], 1);
  });

  test("Process ends with the code a timer passes to process.exit() after the target returned", async () => {
    const p = new Process({
      target: targets.exitLater,
      args: [4, 100],
      module,
    });
    p.start();
    await p.join(10_000);
    assert.equal(p.exitCode, 4);
  });

  test("Process ends with 1 when a rejection nobody handles follows the target", async () => {
    const p = new Process({ target: targets.rejectLater, args: [50], module });
    p.start();
    await p.join(10_000);
    assert.equal(p.exitCode, 1);
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
    assert.equal(currentProcess().name, "MainProcess");
    assert.equal(currentProcess().pid, 0);
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

describe("Process identity, daemons, kill, close, sentinel, subclasses", () => {
  test("currentProcess() and parentProcess() on the main thread", () => {
    const me = currentProcess();
    assert.equal(me.name, "MainProcess");
    assert.equal(me.pid, 0);
    assert.equal(me.daemon, false);
    assert.equal(me.exitCode, null);
    assert.equal(me.isAlive(), true);
    assert.ok(me.authkey instanceof Uint8Array);
    assert.equal(me.authkey.length, 32);
    assert.ok(me.authkey.some((byte) => byte !== 0));
    assert.deepEqual(currentProcess().authkey, me.authkey);
    assert.equal(parentProcess(), null);
  });

  test("currentProcess() and parentProcess() in a child: pid, parent, daemon flag, inherited authkey", async () => {
    const cells = sharedInts(6);
    const p = new Process({
      target: targets.describeIdentity,
      args: [cells, currentProcess().authkey],
      module,
      daemon: true,
    });
    assert.deepEqual(p.authkey, currentProcess().authkey);
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.deepEqual([...cells], [p.pid, 0, 1, 1, 1, 1]);
  });

  test("Process.daemon: a daemon child may not start children", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.recordGrandchild,
      args: [shared],
      module,
      daemon: true,
    });
    assert.equal(p.daemon, true);
    p.start();
    await p.join();
    assert.equal(shared[0], 1);
    assert.throws(() => (p.daemon = false), {
      name: "ProcessError",
      message:
        `Cannot set daemon of process "${p.name}": it was already started`,
    });
  });

  test("Process.daemon: a daemon grandchild stops when its parent ends", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.leaveDaemon,
      args: [shared],
      module,
    });
    p.start();
    await p.join(10_000);
    assert.equal(p.exitCode, 0);
    const count = Atomics.load(shared, 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(Atomics.load(shared, 0), count);
  });

  test("Pool workers are daemons: a task sees daemon true and cannot start a Process", async () => {
    await using pool = new Pool(1, { module });
    assert.equal(await pool.apply(() => 1), 1);
    const outcome = await pool.apply(targets.startGrandchild);
    assert.match(
      outcome,
      /^ProcessError: Cannot start process "Process-\d+": "SpawnPoolWorker-\d+" is a daemon \(pool workers are\), and daemons may not start children$/,
    );
  });

  test("Process.kill() stops the child with exit code -9", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.sleepThenMark,
      args: [shared, 60_000],
      module,
    });
    p.start();
    await p.join(100);
    await p.kill();
    assert.equal(p.exitCode, -9);
    assert.equal(p.isAlive(), false);
  });

  test("Process.sentinel resolves when the child has ended", async () => {
    const p = new Process({ target: () => {} });
    assert.throws(() => p.sentinel, {
      name: "ProcessError",
      message:
        `Cannot get the sentinel of process "${p.name}": it has not been started`,
    });
    p.start();
    await p.sentinel;
    assert.equal(p.exitCode, 0);
  });

  test("Process.close() refuses a running child, then makes the handle unusable", async () => {
    const shared = sharedInts();
    const p = new Process({
      target: targets.spin,
      args: [shared],
      module,
      name: "closing",
    });
    p.start();
    assert.throws(() => p.close(), {
      name: "ProcessError",
      message:
        'Cannot close process "closing": it is still running, call join() or terminate() first',
    });
    Atomics.store(shared, 0, 1);
    await p.join();
    p.close();
    p.close(); // a second close is a no-op
    assert.equal(p.name, "closing");
    assert.throws(() => p.isAlive(), {
      name: "ProcessError",
      message: 'Cannot check process "closing": it is closed',
    });
    assert.throws(() => p.exitCode, {
      name: "ProcessError",
      message: 'Cannot get the exit code of process "closing": it is closed',
    });
    assert.throws(() => p.start(), {
      name: "ProcessError",
      message: 'Cannot start process "closing": it is closed',
    });
    await assert.rejects(p.join(), {
      name: "ProcessError",
      message: 'Cannot join process "closing": it is closed',
    });
  });

  test("a Process subclass overriding run() travels by module reference with its fields", async () => {
    const cells = sharedInts();
    const p = new targets.Adder(cells, 5);
    assert.ok(p instanceof Process);
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(p.name, "adder");
    assert.deepEqual([...cells], [5, p.pid]);
    p.run(); // run() called directly runs in this thread, as in Python
    assert.deepEqual([...cells], [10, 0]);
  });

  test("a Process subclass without a module is refused at start()", () => {
    class Local extends Process {
      override run(): void {}
    }
    const p = new Local({ name: "local" });
    assert.throws(() => p.start(), {
      name: "TypeError",
      message:
        'Cannot start process "local": a Process subclass that overrides run() goes to the worker by reference; export class Local and pass { module: import.meta.url }',
    });
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
    if (runtime.name === "deno") {
      // Deno cannot stop the thread: terminate() says so, the script exits.
      assert.match(
        stdout,
        /^ProcessError exitCode null alive true in \d+ ms\n$/,
      );
    } else {
      assert.match(stdout, /^exitCode -15 alive false in \d+ ms\n$/);
      assert.ok(Number(/in (\d+) ms/.exec(stdout)![1]) < 1000);
    }
  });

  test("isMain(import.meta) is true in the script run directly and false in its workers", async () => {
    const { code, stdout, stderr } = await runFixture("guarded");
    assert.equal(stderr, "");
    assert.equal(code, 0);
    assert.deepEqual(stdout.trim().split("\n").sort(), [
      "child ran in Process-1",
      "exitCode 0, counter 1",
      "top level: isMain false, pid 1",
      "top level: isMain true, pid 0",
    ]);
  });

  test("starting a Process from a module a worker is importing throws an error naming the guard", async () => {
    const { code, stdout, stderr } = await runFixture("unguarded", [], 60_000);
    assert.equal(code, 0);
    assert.equal(stdout, "exitCode 1, counter 0\n");
    assert.match(
      stderr,
      /ProcessError: Cannot start process "Process-1": this worker is still importing .*unguarded\.[jt]s; guard the module's start-up code with `if \(isMain\(import\.meta\)\)`/,
    );
  });

  test("creating a Pool from a module a worker is importing throws an error naming the guard", async () => {
    const { code, stdout } = await runFixture("unguarded_pool", [], 60_000);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /^ProcessError: Cannot create Pool: this worker is still importing .*unguarded_pool\.[jt]s; guard the module's start-up code with `if \(isMain\(import\.meta\)\)`.*\n$/,
    );
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
