import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getLogger, LOG_LEVELS, logToStderr, Process } from "../mod.ts";
import { fixture, runFixture, runProcesses, sharedInts } from "./_helpers.ts";

const module = fixture("logging_targets");
const targets = await import(
  module.href
) as typeof import("./fixtures/logging_targets.ts");

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
    const lines = stderr.split("\n").filter((line) => line.startsWith("["));
    assert.match(lines[2], /^\[INFO\/SpawnPoolWorker-\d+\] pool says 1$/);
    lines[2] = "[INFO/SpawnPoolWorker-N] pool says 1";
    assert.deepEqual(lines, [
      "[INFO/MainProcess] main says 1",
      "[INFO/Child-7] child says 1",
      "[INFO/SpawnPoolWorker-N] pool says 1",
      "[INFO/MainProcess] after says 1",
      "[DEBUG/MainProcess] after whispers",
    ]);
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
