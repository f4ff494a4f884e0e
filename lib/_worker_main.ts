// The entry point of every worker this library starts.
import "../mod.ts"; // registers every shareable type with the codec
import { runtime } from "./_runtime/mod.ts";
import { decode } from "./_core/codec.ts";
import { adoptIdentity } from "./_core/identity.ts";
import { resolveFunction } from "./_core/function_ref.ts";
import { fromParent, serveManager } from "./manager/_worker.ts";
import type { RunProcess, ToWorker } from "./_core/protocol.ts";
import { Process } from "./process.ts";
import { receiveTasks, startPoolWorker } from "./pool/_worker.ts";

const parent = runtime.parent;
if (parent === null) {
  throw new Error("Cannot start worker: _worker_main is a worker entry point");
}

let name = "worker";

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
    if (message.fields === null) {
      await target(...(decode(message.args) as unknown[]));
    } else {
      await rebuild(target, message).run();
    }
  } catch (error) {
    report(error);
    return parent!.exit(1);
  }
  // Like a script: end once the event loop has nothing left (exit code 0),
  // or when the target's leftovers call process.exit or throw.
  parent!.release();
}

/**
 * An instance of the `Process` subclass `Class` with the parent's fields,
 * made without running the subclass's constructor (its arguments stayed in
 * the parent), as Python unpickles a Process.
 */
function rebuild(Class: unknown, message: RunProcess): Process {
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

parent.onMessage((data) => {
  const message = data as ToWorker;
  switch (message.type) {
    case "process":
      return void runProcess(message);
    case "pool":
      name = message.identity.name;
      return startPoolWorker(message);
    case "pool-tasks":
      return receiveTasks(message);
    case "manager":
      return void serveManager(message, parent!);
    case "manager-data":
      return fromParent(message.bytes);
  }
});
