import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Event, Process } from "../../mod.ts";
import { fixture, runProcesses, sharedInts, waitUntil } from "../_helpers.ts";

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

  test("Event.set() then clear() at once wakes every waiter promptly, which returns the flag it finds", async () => {
    const event = new Event();
    const workers = 3;
    const cells = sharedInts(1 + workers);
    const returned = new Float64Array(new SharedArrayBuffer(8 * workers));
    const running = runProcesses(workers, (i) =>
      new Process({
        target: targets.reportEventWait,
        args: [event, cells, returned, i, 10_000],
        module,
      }));
    const here = event.waitAsync(10_000);
    await waitUntil(() => Atomics.load(cells, 0) === workers);
    // Counted in, and now (almost surely) asleep in wait().
    await new Promise((resolve) => setTimeout(resolve, 250));
    const setAt = Date.now();
    event.set();
    event.clear();
    assert.equal(await here, false);
    // A missed wake-up would show as the full 10 s timeout.
    assert.ok(Date.now() - setAt < 5_000);
    await running;
    for (let i = 0; i < workers; i++) {
      // false, or true if it woke before clear() ran: either is the flag
      // it found; what matters is that it woke at once.
      assert.ok(cells[1 + i] !== 0, `worker ${i} returned`);
      const late = returned[i] - setAt;
      assert.ok(late < 5_000, `worker ${i} woke ${late} ms after set()`);
    }
    assert.equal(event.isSet(), false);
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
