// The entry point of every worker this library starts.
import "../mod.ts"; // registers every shareable type with the codec
import { runtime } from "./_runtime/mod.ts";
import { decode } from "./_core/codec.ts";
import { adoptIdentity } from "./_core/identity.ts";
import { resolveFunction } from "./_core/function_ref.ts";
import { fromParent, serveManager } from "./manager/_worker.ts";
import type { RunProcess, ToWorker } from "./_core/protocol.ts";
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
    await target(...(decode(message.args) as unknown[]));
  } catch (error) {
    report(error);
    return parent!.exit(1);
  }
  parent!.exit(0);
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
    case "pool-exit":
      return receiveTasks(message);
    case "manager":
      return void serveManager(message, parent!);
    case "manager-data":
      return fromParent(message.bytes);
  }
});
