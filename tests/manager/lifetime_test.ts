// A client that leaves (its process terminated, its thread ended, its
// connection closed) takes nothing with it: its pending waits are cancelled,
// and the objects only it held are freed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type AcquirerProxy,
  type ListProxy,
  Manager,
  Process,
} from "../../mod.ts";
import { encode } from "../../lib/_core/codec.ts";
import { ManagerClient } from "../../lib/manager/_client.ts";
import { CREATE } from "../../lib/manager/_protocol.ts";
import { fixture } from "../_helpers.ts";
import { stats, tokenOf, until, untilFreed } from "./_probe.ts";

const module = fixture("manager_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/manager_targets.ts");

type Manager = Awaited<ReturnType<typeof Manager>>;

/**
 * Starts `target(...args, log, marker)` in a child, waits until it is
 * blocked on the server, terminates it, and waits until the server has
 * noticed (the marker only the child held is freed).
 */
async function killWhileBlocked(
  manager: Manager,
  target: (...args: never[]) => Promise<void>,
  args: unknown[],
): Promise<void> {
  const log = await manager.list<string>();
  const marker = await manager.list();
  const p = new Process({
    target: target as (...args: unknown[]) => Promise<void>,
    args: [...args, log, marker],
    module,
  });
  p.start();
  await until(async () => await log.length() === 1, "the child blocked");
  const token = tokenOf(manager, marker);
  marker.decref();
  await p.terminate();
  await untilFreed(token);
}

describe("Manager: a client that leaves", () => {
  test("QueueProxy.get() of a terminated process takes no item: the next items go to live getters", async () => {
    await using manager = await Manager();
    const queue = await manager.Queue<string>();
    await killWhileBlocked(manager, targets.blockInGet, [queue, 1_000]);
    // Its 1,000 waits are gone from the server, not just skipped later.
    assert.equal((await stats(manager)).waiting, 0);
    await queue.put("precious");
    await queue.put("second");
    assert.equal(await queue.get({ timeout: 1_000 }), "precious");
    assert.equal(await queue.get({ timeout: 1_000 }), "second");
  });

  for (const kind of ["Lock", "RLock", "Semaphore", "BoundedSemaphore"]) {
    test(`${kind} proxy: a terminated process waiting in acquire() takes no unit`, async () => {
      await using manager = await Manager();
      const lock = await (manager[kind as "Lock"])() as AcquirerProxy;
      assert.equal(await lock.acquire(), true);
      await killWhileBlocked(manager, targets.blockInAcquire, [lock]);
      await lock.release();
      assert.equal(await lock.acquire({ timeout: 1_000 }), true);
    });
  }

  test("ConditionProxy: a terminated process waiting in wait() does not take the lock back when notified", async () => {
    await using manager = await Manager();
    const cond = await manager.Condition();
    await killWhileBlocked(manager, targets.blockInWait, [cond]);
    assert.equal(await cond.acquire({ timeout: 1_000 }), true);
    await cond.notify();
    await cond.release();
    assert.equal(await cond.acquire({ timeout: 1_000 }), true);
  });

  test("a Lock held by a process that ends stays held, as a local Lock does", async () => {
    await using manager = await Manager();
    const lock = await manager.Lock();
    const log = await manager.list<string>();
    const p = new Process({
      target: targets.acquireAndLeave,
      args: [lock, log],
      module,
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.deepEqual(await log.toArray(), ["held"]);
    assert.equal(await lock.acquire({ timeout: 50 }), false);
  });

  test("objects a client created (without a proxy) or lent are freed when it leaves: 1,000 cycles", async () => {
    await using manager = await Manager();
    const { address, authkey } = manager;
    const kept = await manager.list(["kept"]);
    const before = await stats(manager);
    for (let i = 0; i < 500; i++) {
      // Created, and the connection closes without making a proxy.
      const raw = new ManagerClient(address, authkey);
      assert.equal(typeof await raw.request(CREATE, "list", [[i]]), "number");
      raw.close();
      // Created, then lent to a thread that never attaches.
      const lender = new ManagerClient(address, authkey);
      const lent = lender.adopt(
        "list",
        await lender.request(CREATE, "list", [[i]]) as number,
      );
      encode([lent]);
      (lent as ListProxy).decref();
      lender.close();
    }
    await until(async () => {
      const now = await stats(manager);
      return now.objects === before.objects && now.sessions === before.sessions;
    }, "every client gone and its objects freed");
    assert.deepEqual(await kept.toArray(), ["kept"]);
  });
});
