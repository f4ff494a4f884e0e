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
  try {
    const target = await resolveFunction(message.target);
    await target(...(decode(message.args) as unknown[]));
  } catch (error) {
    report(error);
    return parent!.exit(1);
  }
  parent!.exit(0);
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
