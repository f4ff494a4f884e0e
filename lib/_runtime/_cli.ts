// What a command-line script (lib/cluster/worker.ts) needs from its runtime:
// its arguments and environment, its host and OS process, stop signals and
// exit. `node:process` and friends work on Deno, Bun and Node alike.
import process from "node:process";
import { hostname } from "node:os";
import { pathToFileURL } from "node:url";
export { parseArgs } from "node:util";

/** The script's arguments, after the runtime's and the script's path. */
export function scriptArgs(): string[] {
  return process.argv.slice(2);
}

/** The environment variable `name`, if set. */
export function env(name: string): string | undefined {
  return process.env[name];
}

/** `<hostname>/<OS pid>`: a name for this OS process among machines. */
export function hostAndPid(): string {
  return `${hostname()}/${process.pid}`;
}

/** Calls `listener` on each SIGTERM or SIGINT. */
export function onStopSignal(listener: () => void): void {
  process.on("SIGTERM", listener);
  process.on("SIGINT", listener);
}

/** Ends the OS process with `code`. */
export function exitProcess(code: number): never {
  return process.exit(code);
}

/** A module URL for a command-line argument: a URL as is, a path made absolute. */
export function moduleUrl(arg: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(arg) && !/^[a-z]:[\\/]/i.test(arg)) {
    return arg;
  }
  return pathToFileURL(arg).href;
}
