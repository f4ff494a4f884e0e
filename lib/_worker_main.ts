// The entry point of every worker this library starts. It loads only what
// its messages need: the pool or manager half on their first message, and
// the module of each kind of shareable object when the first one arrives
// (see `_core/shareables.ts`). Messages are handled in arrival order: while
// one waits for a module, the ones after it wait too.
import { runtime } from "./_runtime/mod.ts";
import { decode } from "./_core/codec.ts";
import { adoptIdentity } from "./_core/identity.ts";
import { resolveFunction } from "./_core/function_ref.ts";
import type { RunProcess, ToWorker } from "./_core/protocol.ts";
import { loadShareables } from "./_core/shareables.ts";
import type { Process } from "./process.ts";

type PoolHalf = typeof import("./pool/_worker.ts");
type ManagerHalf = typeof import("./manager/_worker.ts");

const parent = runtime.parent;
if (parent === null) {
  throw new Error("Cannot start worker: _worker_main is a worker entry point");
}

let name = "worker";
let pool: PoolHalf | undefined;
let manager: ManagerHalf | undefined;

function report(error: unknown): void {
  const text = error instanceof Error
    ? error.stack ?? String(error)
    : String(error);
  console.error(`Process ${name}:\n${text}`);
}

parent.onUncaught(report);

async function runProcess(message: RunProcess): Promise<void> {
  adoptIdentity(message.identity);
  name = message.identity.name;
  // Python's lines, at its level (INFO), from the child. Logging is loaded
  // here, beside the target's module: a pool worker never needs it.
  const logger = import("./logging.ts").then((m) => m.getLogger());
  try {
    const target = await resolveFunction(message.target);
    (await logger).info("child process calling self.run()");
    if (message.fields === null) {
      await target(...(decode(message.args) as unknown[]));
    } else {
      await (await rebuild(target, message)).run();
    }
  } catch (error) {
    report(error);
    (await logger).info("process exiting with exitcode 1");
    return parent!.exit(1);
  }
  (await logger).info("process exiting with exitcode 0");
  // Like a script: end once the event loop has nothing left (exit code 0),
  // or when the target's leftovers call process.exit or throw.
  parent!.release();
}

/**
 * An instance of the `Process` subclass `Class` with the parent's fields,
 * made without running the subclass's constructor (its arguments stayed in
 * the parent), as Python unpickles a Process.
 */
async function rebuild(
  Class: unknown,
  message: RunProcess,
): Promise<Process> {
  // Loaded only here: most workers never rebuild a subclass.
  const { Process } = await import("./process.ts");
  if (
    typeof Class !== "function" ||
    !(Class.prototype instanceof Process)
  ) {
    throw new TypeError(
      `Cannot run process "${name}": ${message.target.name} is not a Process subclass exported by ${
        message.target.modules.join(", ")
      }`,
    );
  }
  const instance = Reflect.construct(Process, [{
    name,
    module: message.target.modules,
    daemon: message.identity.daemon ?? false,
  }], Class) as Process;
  return Object.assign(instance, decode(message.fields));
}

/** What must be imported before `message` can be handled; `null` if nothing. */
function prepare(message: ToWorker): Promise<unknown> | null {
  const shareables = loadShareables(message);
  let half: Promise<unknown> | null = null;
  if (message.type === "pool" && pool === undefined) {
    half = import("./pool/_worker.ts").then((m) => pool = m);
  } else if (message.type === "manager" && manager === undefined) {
    half = import("./manager/_worker.ts").then((m) => manager = m);
  }
  if (half === null) return shareables;
  return shareables === null ? half : Promise.all([half, shareables]);
}

function handle(message: ToWorker): void {
  switch (message.type) {
    case "process":
      return void runProcess(message);
    case "pool":
      name = message.identity.name;
      return pool!.startPoolWorker(message);
    case "pool-tasks":
    case "pool-exit":
      return pool!.receiveTasks(message);
    case "manager":
      return void manager!.serveManager(message, parent!);
    case "manager-data":
      return manager!.fromParent(message.bytes);
  }
}

// Messages waiting behind one whose modules are loading.
let backlog: Promise<void> = Promise.resolve();
let waiting = 0;

function later(message: ToWorker, ready: Promise<unknown> | null): void {
  waiting++;
  backlog = backlog
    .then(() => ready ?? prepare(message))
    .then(() => {
      waiting--;
      handle(message);
    });
}

parent.onMessage((data) => {
  const message = data as ToWorker;
  if (waiting > 0) return later(message, null);
  const ready = prepare(message);
  if (ready === null) handle(message);
  else later(message, ready);
});
