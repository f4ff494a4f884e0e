// Clients in the server's OS process (the owner thread, child Processes,
// pool workers) talk to it through shared memory (lib/manager/_lobby.ts):
// no wake-up may be lost, no byte reordered, and a client or a server that
// goes away mid-call must leave nothing hanging.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Manager, Pool, Process, ProcessError } from "../../mod.ts";
import { clientOf, ManagerClient } from "../../lib/manager/_client.ts";
import { CALL, CREATE } from "../../lib/manager/_protocol.ts";
import { SLOTS } from "../../lib/manager/_lobby.ts";
import { fixture, within } from "../_helpers.ts";
import { stats, until } from "./_probe.ts";

const module = fixture("manager_slot_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/manager_slot_targets.ts");

type Manager = Awaited<ReturnType<typeof Manager>>;

/** The owner's client, which holds the lobby once it uses a slot. */
function ownerClient(manager: Manager): ManagerClient {
  return clientOf(manager.address, manager.authkey);
}

describe("Manager: shared-memory slots of in-process clients", () => {
  test("the owner, 3 child Processes and 2 pool workers append at once, awaited and pipelined: every append lands, all through slots", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const slotted = await manager.list<string>();
    const where = { address: manager.address, authkey: manager.authkey };
    await list.append("start");
    assert.ok(ownerClient(manager).lobby instanceof SharedArrayBuffer);
    const children = ["a", "b", "c"].map((tag) =>
      new Process({
        target: targets.appendMix,
        args: [list, tag, 400, slotted, where],
        module,
      })
    );
    for (const child of children) child.start();
    const pool = new Pool(2, { module });
    try {
      const pooled = pool.starmap(targets.appendMix, [
        [list, "p", 300, slotted, where],
        [list, "q", 300, slotted, where],
      ]);
      await targets.appendMix(list, "o", 400, slotted, where);
      assert.deepEqual(await within(pooled, 60_000, "pool"), [300, 300]);
    } finally {
      await pool.terminate();
    }
    for (const child of children) await child.join();
    assert.deepEqual(children.map((child) => child.exitCode), [0, 0, 0]);
    const items = await list.copy();
    assert.equal(items.length, 1 + 3 * 400 + 2 * 300 + 400);
    const counts: Record<string, number> = {};
    for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
    assert.deepEqual(counts, {
      start: 1,
      a: 400,
      b: 400,
      c: 400,
      p: 300,
      q: 300,
      o: 400,
    });
    // Every thread's client used a slot (none went over TCP).
    assert.deepEqual(
      (await slotted.copy()).sort(),
      ["a", "b", "c", "o", "p", "q"],
    );
  });

  test("2 Processes and the owner × 300 Lock-guarded increments: the exact total", async () => {
    await using manager = await Manager();
    const value = await manager.Value("i", 0);
    const lock = await manager.Lock();
    const children = [0, 1].map(() =>
      new Process({
        target: targets.increment,
        args: [value, lock, 300],
        module,
      })
    );
    for (const child of children) child.start();
    await targets.increment(value, lock, 300);
    for (const child of children) await child.join();
    assert.equal(await value.get(), 900);
  });

  test("messages larger than a ring (and many small ones between them) arrive whole and in order both ways", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const big = (n: number) => String.fromCharCode(97 + n % 26).repeat(n);
    const sizes = [10, 70_000, 3, 1_000_000, 16 * 1024 - 7, 5, 300_000];
    await Promise.all(sizes.map((size) => list.append(big(size))));
    const got = await Promise.all(sizes.map((_, i) => list.get(i)));
    assert.deepEqual(got.map((s) => s.length), sizes);
    assert.deepEqual(got, sizes.map(big));
    // A child sees the same, through its own slot.
    const copy = await manager.list<string>();
    const child = new Process({
      target: targets.appendMix,
      args: [copy, big(200_000), 6],
      module,
    });
    child.start();
    await child.join();
    assert.equal(child.exitCode, 0);
    assert.deepEqual(await copy.copy(), Array(6).fill(big(200_000)));
  });

  test("a Process that ends with calls in flight: the server frees its slot and session; others go on", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const before = await stats(manager);
    for (let round = 0; round < 5; round++) {
      const child = new Process({
        target: targets.leaveMidCall,
        args: [list, 200],
        module,
      });
      child.start();
      await child.join();
    }
    await until(
      async () => (await stats(manager)).sessions === before.sessions,
      "the server dropped the children's sessions",
    );
    const after = await stats(manager);
    assert.equal(after.slots, before.slots);
    await list.append("still here");
    assert.ok((await list.length()) <= 5 * 200 + 1);
    assert.equal(await list.get(-1), "still here");
  });

  test("shutdown while a call waits on the server: the call rejects with ProcessError, nothing hangs", async () => {
    const manager = await Manager();
    const event = await manager.Event();
    const waiting = event.wait();
    await until(async () => (await stats(manager)).waiting === 1, "waiting");
    // The stats call above shares the owner's slot with the waiting call.
    const stopped = manager.shutdown();
    await assert.rejects(
      within(waiting, 10_000, "the waiting call"),
      (error: Error) =>
        error instanceof ProcessError &&
        /^Cannot reach manager at .*: connection closed$/.test(error.message),
    );
    await within(stopped, 10_000, "shutdown");
  });

  test(`more than ${SLOTS} in-process clients: the others use the first socket, and a freed slot serves a new client`, async () => {
    await using manager = await Manager();
    const list = await manager.list<number>();
    const lobby = ownerClient(manager).lobby!;
    const base = (await stats(manager)).slots;
    // One at a time: the server kills the oldest of too many handshakes.
    const clients: ManagerClient[] = [];
    for (let i = 0; i < SLOTS + 3; i++) {
      const client = new ManagerClient(manager.address, manager.authkey, {
        lobby,
      });
      await client.ready;
      clients.push(client);
    }
    await Promise.all(
      clients.map((client, i) => client.request(CALL, list.id, "append", [i])),
    );
    assert.equal(await list.length(), SLOTS + 3);
    assert.equal(
      clients.filter((c) => c.lobby !== undefined).length,
      SLOTS - base,
    );
    assert.equal((await stats(manager)).slots, SLOTS);
    const slotted = clients.find((c) => c.lobby !== undefined)!;
    slotted.close();
    for (const client of clients) {
      if (client.lobby === undefined) client.close();
    }
    await until(
      async () => (await stats(manager)).slots === SLOTS - 1,
      "the closed client's slot is free",
    );
    const next = new ManagerClient(manager.address, manager.authkey, { lobby });
    const id = await next.request(CREATE, "list", [[7]]) as number;
    assert.equal(await next.request(CALL, id, "length", []), 1);
    assert.ok(next.lobby instanceof SharedArrayBuffer);
    for (const client of [...clients, next]) client.close();
  });

  test("clients flooding their slots do not starve a TCP client: each of its calls is answered", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const children = [0, 1].map(() =>
      new Process({ target: targets.flood, args: [list, stop], module })
    );
    for (const child of children) child.start();
    const flooding = targets.flood(list, stop);
    await until(async () => await list.length() > 1_000, "the flood");
    const tcp = new ManagerClient(manager.address, manager.authkey);
    try {
      for (let i = 0; i < 20; i++) {
        const length = await within(
          tcp.request(CALL, list.id, "length", []),
          5_000,
          "a TCP call during the flood",
        );
        assert.ok((length as number) > 1_000);
      }
      assert.equal(tcp.lobby, undefined);
    } finally {
      Atomics.store(stop, 0, 1);
      tcp.close();
    }
    await flooding;
    for (const child of children) await child.join();
  });

  test("a copy of the lobby (not shared memory) is not used: the client stays on its socket", async () => {
    await using manager = await Manager();
    const list = await manager.list<number>([1, 2]);
    const shared = ownerClient(manager).lobby!;
    const copy = new SharedArrayBuffer(shared.byteLength);
    new Uint8Array(copy).set(new Uint8Array(shared));
    const client = new ManagerClient(manager.address, manager.authkey, {
      lobby: copy,
    });
    assert.equal(await client.request(CALL, list.id, "length", []), 2);
    assert.equal(client.lobby, undefined);
    client.close();
    // The proxy stays alive (its finalizer would release the list).
    assert.equal(await list.length(), 2);
  });
});
