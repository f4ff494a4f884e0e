import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getLogger, LOG_LEVELS, logToStderr, Process } from "../mod.ts";
import { fixture, runFixture, runProcesses, sharedInts } from "./_helpers.ts";

const module = fixture("logging_targets");
const targets = await import(
  module.href
) as typeof import("./fixtures/logging_targets.ts");

/**
 * The `[LEVEL/Name] …` lines of `stderr` by thread, in order (threads write
 * concurrently); worker numbers and ports become `N` and `PORT`.
 */
function byThread(stderr: string): Record<string, string[]> {
  const threads: Record<string, string[]> = {};
  for (const raw of stderr.split("\n")) {
    const line = raw
      .replace(/^(\[\w+\/(?:SpawnPoolWorker|Process|SyncManager))-\d+/, "$1-N")
      .replace(/SpawnPoolWorker-\d+$/, "SpawnPoolWorker-N")
      .replace(/127\.0\.0\.1:\d+$/, "127.0.0.1:PORT");
    const thread = line.match(/^\[\w+\/([^\]]+)\]/)?.[1];
    if (thread !== undefined) (threads[thread] ??= []).push(line);
  }
  return threads;
}

describe("logging", () => {
  test("getLogger() level is one setting shared by every thread", async () => {
    const logger = getLogger();
    logger.setLevel("ERROR");
    const seen = sharedInts();
    await runProcesses(
      1,
      () => new Process({ target: targets.setLevel, args: [5, seen], module }),
    );
    assert.equal(seen[0], 40);
    assert.equal(logger.level, 5);
    assert.equal(logger.getEffectiveLevel(), LOG_LEVELS.SUBDEBUG);
    logger.setLevel(0);
    assert.equal(logger.getEffectiveLevel(), LOG_LEVELS.WARNING);
  });

  test("logToStderr() writes [LEVEL/ProcessName] lines from every thread, filtered by the shared level", async () => {
    const { code, stderr } = await runFixture("logging_script");
    assert.equal(code, 0);
    assert.deepEqual(byThread(stderr), {
      MainProcess: [
        "[INFO/MainProcess] main says 1",
        "[INFO/MainProcess] after says 1",
        "[DEBUG/MainProcess] after whispers",
        // Python's own line as `await using` terminates the pool.
        "[DEBUG/MainProcess] terminating pool",
      ],
      "Child-7": [
        "[INFO/Child-7] child process calling self.run()",
        "[INFO/Child-7] child says 1",
        "[INFO/Child-7] process exiting with exitcode 0",
      ],
      "SpawnPoolWorker-N": ["[INFO/SpawnPoolWorker-N] pool says 1"],
      "Process-N": [
        "[INFO/Process-N] child process calling self.run()",
        "[INFO/Process-N] process exiting with exitcode 0",
      ],
    });
  });

  test("the library logs Python's process, pool and manager events at Python's levels", async () => {
    const { code, stderr } = await runFixture("logging_library", ["on"]);
    assert.equal(code, 0);
    assert.deepEqual(byThread(stderr), {
      "Quiet-1": [
        "[INFO/Quiet-1] child process calling self.run()",
        "[INFO/Quiet-1] process exiting with exitcode 0",
      ],
      "Fails-2": [
        "[INFO/Fails-2] child process calling self.run()",
        "[INFO/Fails-2] process exiting with exitcode 1",
      ],
      MainProcess: [
        "[DEBUG/MainProcess] added worker",
        "[DEBUG/MainProcess] closing pool",
        "[DEBUG/MainProcess] joining pool",
        "[DEBUG/MainProcess] cleaning up worker SpawnPoolWorker-N",
        "[DEBUG/MainProcess] added worker",
        "[DEBUG/MainProcess] terminating pool",
        "[DEBUG/MainProcess] closing pool",
        "[DEBUG/MainProcess] joining pool",
      ],
      "SyncManager-N": [
        "[INFO/SyncManager-N] manager serving at 127.0.0.1:PORT",
      ],
    });
  });

  test("at the default level the library prints nothing of its own", async () => {
    const { code, stderr } = await runFixture("logging_library");
    assert.equal(code, 0);
    assert.deepEqual(byThread(stderr), {});
    // Only the failing child's stack, which Python prints too.
    assert.match(stderr, /^Process Fails-2:\nError: planned failure\n/);
  });

  test("logToStderr() from a worker turns output on for the main thread", async () => {
    const logger = getLogger();
    assert.equal(logger.isEnabledFor("CRITICAL"), false);
    await runProcesses(
      1,
      () => new Process({ target: targets.enable, module }),
    );
    assert.equal(logger.isEnabledFor("CRITICAL"), true);
    assert.equal(logger.isEnabledFor("INFO"), false);
    assert.equal(logToStderr(12), logger);
    assert.equal(logger.isEnabledFor(15), true);
    assert.equal(logger.isEnabledFor("DEBUG"), false);
    logger.setLevel("NOTSET");
  });

  test("logger methods reject unknown levels", () => {
    const logger = getLogger();
    assert.throws(() => logger.setLevel("VERBOSE" as never), {
      name: "TypeError",
      message:
        'Cannot set log level: level must be a level name (NOTSET, SUBDEBUG, DEBUG, INFO, SUBWARNING, WARNING, ERROR, CRITICAL) or an integer of at least 0, received "VERBOSE"',
    });
    assert.throws(() => logToStderr(-1), { name: "RangeError" });
    assert.throws(() => logger.log(1.5, "x"), { name: "RangeError" });
  });
});
