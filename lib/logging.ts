/**
 * Logging as Python's `multiprocessing.get_logger()` and `log_to_stderr()`:
 * one logger for the whole program, whose level and stderr output every
 * thread shares, writing lines like `[INFO/Process-1] message`.
 *
 * @module
 */
import { identity } from "./_core/identity.ts";
import { LOG_LEVEL, LOG_TO_STDERR } from "./_core/common_block.ts";
import { describe } from "./_core/validate.ts";

/** Python's level names; a number is accepted wherever one is. */
export type LogLevelName =
  | "NOTSET"
  | "SUBDEBUG"
  | "DEBUG"
  | "INFO"
  | "SUBWARNING"
  | "WARNING"
  | "ERROR"
  | "CRITICAL";

/** Python's numeric levels, `multiprocessing.util`'s `SUBDEBUG` and `SUBWARNING` included. */
export const LOG_LEVELS: Readonly<Record<LogLevelName, number>> = Object
  .freeze({
    NOTSET: 0,
    SUBDEBUG: 5,
    DEBUG: 10,
    INFO: 20,
    SUBWARNING: 25,
    WARNING: 30,
    ERROR: 40,
    CRITICAL: 50,
  });

/** Python's effective level of a logger nobody configured (the root's). */
const DEFAULT_LEVEL = LOG_LEVELS.WARNING;

let cached: Int32Array | null = null;
let cachedFor: Int32Array | null = null;

/**
 * The shared cells; read through the identity, which workers adopt late.
 * Keyed on the identity's array, not its buffer: reading `.buffer` on every
 * call made a disabled `debug()` cost over 1 µs on Bun.
 */
function cells(): Int32Array {
  const pids = identity().pids;
  if (cachedFor !== pids) {
    cached = new Int32Array(pids.buffer, 0, 16);
    cachedFor = pids;
  }
  return cached!;
}

/** Whether output is on at all: the cheap first check of every call. */
function writing(): boolean {
  return Atomics.load(cells(), LOG_TO_STDERR) === 1;
}

function levelOf(what: string, level: unknown): number {
  if (typeof level === "string" && Object.hasOwn(LOG_LEVELS, level)) {
    return LOG_LEVELS[level as LogLevelName];
  }
  if (typeof level === "number" && Number.isInteger(level) && level >= 0) {
    return level;
  }
  throw new (typeof level === "number" ? RangeError : TypeError)(
    `Cannot ${what}: level must be a level name (${
      Object.keys(LOG_LEVELS).join(", ")
    }) or an integer of at least 0, received ${describe(level)}`,
  );
}

function levelName(level: number): string {
  for (const [name, value] of Object.entries(LOG_LEVELS)) {
    if (value === level) return name;
  }
  return `Level ${level}`;
}

/**
 * The library's logger, Python's `multiprocessing` logger. Its level is
 * shared by every thread: set it in one and all filter by it. It writes
 * to stderr once {@linkcode logToStderr} has run in any thread; until then
 * it is silent. Messages may use `console` substitutions (`%s`, `%d`, `%o`)
 * for the extra arguments, like Python's `%` formatting.
 *
 * @example Usage
 * ```ts
 * import { getLogger } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const logger = getLogger();
 * logger.setLevel("DEBUG");
 * assert.equal(logger.level, 10);
 * assert.equal(logger.getEffectiveLevel(), 10);
 * logger.setLevel("NOTSET");
 * assert.equal(logger.getEffectiveLevel(), 30); // WARNING, as in Python
 * ```
 */
export class Logger {
  /** Python's logger name. */
  readonly name = "multiprocessing";

  /** The level set for every thread; 0 (`NOTSET`) if none. */
  get level(): number {
    return Atomics.load(cells(), LOG_LEVEL);
  }

  /**
   * Sets the level for every thread.
   *
   * @param level A level name or number.
   * @throws {TypeError} If `level` is neither a known name nor a number.
   * @throws {RangeError} If `level` is a negative or fractional number.
   */
  setLevel(level: LogLevelName | number): void {
    Atomics.store(cells(), LOG_LEVEL, levelOf("set log level", level));
  }

  /** The level messages are filtered by: the level set, else `WARNING`. */
  getEffectiveLevel(): number {
    return this.level || DEFAULT_LEVEL;
  }

  /**
   * Whether a message at `level` would be written (level and output both).
   *
   * @param level A level name or number.
   * @returns `true` if `logToStderr()` ran and `level` passes the filter.
   */
  isEnabledFor(level: LogLevelName | number): boolean {
    return writing() &&
      levelOf("check log level", level) >= this.getEffectiveLevel();
  }

  /**
   * Writes `[LEVEL/ProcessName] message` to stderr if enabled for `level`.
   *
   * @param level A level name or number.
   * @param message The text; `%s`-style substitutions take `args`.
   * @param args Values for the substitutions.
   */
  log(level: LogLevelName | number, message: string, ...args: unknown[]): void {
    if (!this.isEnabledFor(level)) return;
    const name = levelName(levelOf("log", level));
    console.error(`[${name}/${identity().name}] ${message}`, ...args);
  }

  /** Logs at `SUBDEBUG` (5). */
  subdebug(message: string, ...args: unknown[]): void {
    if (writing()) this.log(LOG_LEVELS.SUBDEBUG, message, ...args);
  }

  /** Logs at `DEBUG` (10). */
  debug(message: string, ...args: unknown[]): void {
    if (writing()) this.log(LOG_LEVELS.DEBUG, message, ...args);
  }

  /** Logs at `INFO` (20). */
  info(message: string, ...args: unknown[]): void {
    if (writing()) this.log(LOG_LEVELS.INFO, message, ...args);
  }

  /** Logs at `SUBWARNING` (25). */
  subwarning(message: string, ...args: unknown[]): void {
    if (writing()) this.log(LOG_LEVELS.SUBWARNING, message, ...args);
  }

  /** Logs at `WARNING` (30). */
  warning(message: string, ...args: unknown[]): void {
    if (writing()) this.log(LOG_LEVELS.WARNING, message, ...args);
  }

  /** Logs at `ERROR` (40). */
  error(message: string, ...args: unknown[]): void {
    if (writing()) this.log(LOG_LEVELS.ERROR, message, ...args);
  }

  /** Logs at `CRITICAL` (50). */
  critical(message: string, ...args: unknown[]): void {
    if (writing()) this.log(LOG_LEVELS.CRITICAL, message, ...args);
  }
}

const logger = new Logger();

/**
 * The library's logger, like Python's `multiprocessing.get_logger()`.
 *
 * @returns The one {@linkcode Logger}.
 *
 * @example Usage
 * ```ts
 * import { getLogger } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getLogger(), getLogger());
 * assert.equal(getLogger().name, "multiprocessing");
 * ```
 */
export function getLogger(): Logger {
  return logger;
}

/**
 * Turns on the logger's output to stderr for every thread, and sets the
 * level if given, like Python's `multiprocessing.log_to_stderr(level)`.
 * Lines look like `[INFO/Process-1] child process calling self.run()`.
 *
 * @param level A level name or number; by default the level is unchanged.
 * @returns The logger.
 * @throws {TypeError} If `level` is neither a known name nor a number.
 *
 * @example Usage
 * ```ts
 * import { logToStderr } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const logger = logToStderr("WARNING");
 * logger.info("not written: below WARNING");
 * assert.equal(logger.isEnabledFor("ERROR"), true);
 * logger.setLevel("NOTSET");
 * ```
 */
export function logToStderr(level?: LogLevelName | number | null): Logger {
  if (level !== undefined && level !== null) logger.setLevel(level);
  Atomics.store(cells(), LOG_TO_STDERR, 1);
  return logger;
}
