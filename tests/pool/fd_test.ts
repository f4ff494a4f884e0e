import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runtime } from "../../lib/_runtime/mod.ts";
import { runFixture } from "../_helpers.ts";

// Deno starts a worker 5–10× slower than Node and Bun: fewer cycles there
// keep this test under half a minute.
const TERMINATE_CYCLES = runtime.name === "deno" ? 60 : 300;
const JOIN_CYCLES = 40;

describe("Pool file descriptors", () => {
  test("terminating pools whose workers are still loading leaks no file descriptor", async () => {
    const { code, stdout, stderr } = await runFixture(
      "pool_fds",
      ["terminate", String(TERMINATE_CYCLES)],
      120_000,
    );
    assert.equal(code, 0, stderr);
    const { before, after } = JSON.parse(stdout);
    assert.ok(after - before <= 3, stdout);
  });

  test("closing and joining fresh pools leaks no file descriptor", async () => {
    const { code, stdout, stderr } = await runFixture(
      "pool_fds",
      ["join", String(JOIN_CYCLES)],
      120_000,
    );
    assert.equal(code, 0, stderr);
    const { before, after } = JSON.parse(stdout);
    assert.ok(after - before <= 3, stdout);
  });
});
