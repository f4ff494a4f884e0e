// The mailbox's wake protocol alone: the parent notifies a parked worker
// only while it sleeps (SLEEPING), and each side spins a moment for the
// other first. A lost wake-up hangs here (the worker sleeps without a
// timeout), where in a pool it would cost a time slice.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Process } from "../../mod.ts";
import {
  Mailbox,
  mailboxBuffer,
  PARKED,
  REPLY,
  STATE,
  STOP,
  TASK,
} from "../../lib/pool/_mailbox.ts";
import { fixture, within } from "../_helpers.ts";

const module = fixture("mailbox_tasks");
const tasks = await import(
  module.href
) as typeof import("../fixtures/mailbox_tasks.ts");

const TIMES = 20_000;

describe("Pool mailbox wake-ups", () => {
  test(`${TIMES} tasks handed to a spinning or sleeping worker are each answered once`, async () => {
    const buffer = mailboxBuffer();
    const box = new Mailbox(buffer);
    const cells = box.cells;
    Atomics.store(cells, STATE, PARKED);
    const worker = new Process({
      target: tasks.answerWakes,
      args: [buffer, TIMES],
      module,
    });
    worker.start();
    const rounds = (async () => {
      for (let i = 0; i < TIMES; i++) {
        // Now and then, a pause long enough for the worker to fall asleep.
        if (i % 500 === 250) {
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        assert.equal(
          Atomics.compareExchange(cells, STATE, PARKED, TASK),
          PARKED,
        );
        box.wake();
        await box.spinForReply(i);
        while (Atomics.load(cells, REPLY) === i) {
          const waited = Atomics.waitAsync(cells, REPLY, i);
          if (waited.async) await waited.value;
        }
        assert.equal(Atomics.load(cells, REPLY), i + 1);
      }
    })();
    try {
      await within(rounds, 60_000, "the wake-up rounds");
    } finally {
      // Sets free a worker a lost wake-up left asleep.
      Atomics.store(cells, STATE, STOP);
      Atomics.notify(cells, STATE);
    }
    await within(worker.join(), 10_000, "the worker's exit");
    assert.equal(worker.exitCode, 0);
    assert.equal(cells[REPLY], TIMES);
  });
});
