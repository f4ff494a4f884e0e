import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { runtime } from "../../lib/_runtime/mod.ts";
import { fixture } from "../_helpers.ts";

/** Runs fixture `name` with a forced GC available (`gc()` or `Bun.gc`). */
function runWithGc(
  name: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, ...rest] = runtime.scriptCommand(
    fileURLToPath(fixture(name)),
  );
  if (runtime.name === "deno") rest.splice(1, 0, "--v8-flags=--expose-gc");
  if (runtime.name === "node") rest.unshift("--expose-gc");
  return new Promise((resolve) => {
    execFile(
      command,
      [...rest, ...args],
      {
        timeout: 60_000,
        killSignal: "SIGKILL",
        env: { ...process.env, NO_COLOR: "1" },
      },
      (error, stdout, stderr) => {
        const code = error === null
          ? 0
          : typeof error.code === "number"
          ? error.code
          : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("Pool dropped without close()", () => {
  test("a dropped running Pool has its workers terminated, with one warning each", async () => {
    const { code, stdout, stderr } = await runWithGc("pool_dropped", ["10"]);
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    // Pools still needed kept working.
    assert.equal(summary.kept, 42);
    assert.equal(summary.held, 2);
    assert.equal(summary.thenValue, 9);
    const warnings = stderr.split("\n").filter((line) =>
      line.startsWith("Warning: a Pool of 2 workers was garbage-collected")
    );
    assert.equal(warnings.length, 10, stderr);
    assert.match(
      warnings[0],
      /its workers were terminated\. Call pool\.close\(\) and await pool\.join\(\) when done, or create it with `await using pool = new Pool\(\)`\.$/,
    );
    // Their 20 workers are gone: at most the 3 workers still needed and
    // the runtime's own helper threads are left.
    assert.ok(summary.left < 10, stdout);
  });
});
