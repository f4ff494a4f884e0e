import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Event, Process } from "../../mod.ts";
import { fixture, runProcesses, waitUntil } from "../_helpers.ts";

const module = fixture("sync_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/sync_targets.ts");

describe("Event", () => {
  test("Event.set(), clear() and isSet() change the flag", () => {
    const event = new Event();
    assert.equal(event.isSet(), false);
    event.set();
    assert.equal(event.isSet(), true);
    assert.equal(event.wait(), true);
    event.clear();
    assert.equal(event.isSet(), false);
  });

  test("Event.wait() on a blocked main thread sees a set() from a Process started just before", async () => {
    const event = new Event();
    const p = new Process({ target: targets.setEvent, args: [event], module });
    p.start();
    assert.equal(event.wait(10_000), true);
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test("Event.wait(50) and waitAsync(50) return false after the timeout", async () => {
    const event = new Event();
    let started = performance.now();
    assert.equal(event.wait(50), false);
    assert.ok(performance.now() - started >= 45);
    started = performance.now();
    assert.equal(await event.waitAsync(50), false);
    assert.ok(performance.now() - started >= 45);
    assert.equal(event.wait(0), false);
  });

  test("Event.set() on the main thread wakes every worker waiting", async () => {
    const event = new Event();
    const flags = globalThis.Array.from(
      { length: 3 },
      () => new Int32Array(new SharedArrayBuffer(8)),
    );
    const running = runProcesses(3, (i) =>
      new Process({
        target: targets.awaitEvent,
        args: [event, flags[i]],
        module,
      }));
    await waitUntil(() => flags.every((f) => Atomics.load(f, 1) === 1));
    event.set();
    await running;
    assert.deepEqual(flags.map((f) => f[0]), [1, 1, 1]);
  });

  test("Event.waitAsync() on the main thread is woken by a worker", async () => {
    const event = new Event();
    const waiting = event.waitAsync(10_000);
    const p = new Process({ target: (e: Event) => e.set(), args: [event] });
    p.start();
    assert.equal(await waiting, true);
    await p.join();
  });
});

describe("Event bad input", () => {
  test("Event.wait() rejects a non-numeric timeout", async () => {
    const event = new Event();
    await assert.rejects(event.waitAsync("1" as never), {
      name: "TypeError",
      message:
        'Cannot wait on Event: timeout must be a number of milliseconds, received "1"',
    });
  });
});
