// Python's "sharing state: server process" tutorial: a Manager's list, Value
// and Array changed by a child process and seen by the parent.
import { isMain, Manager, Process } from "../mod.ts";
import type { ArrayProxy, ListProxy, ValueProxy } from "../mod.ts";

/** Runs in the child: every call goes to the manager's server. */
export async function f(
  l: ListProxy<string>,
  v: ValueProxy<number>,
  a: ArrayProxy,
): Promise<void> {
  await l.append("Hello");
  await v.set(3.1415927);
  await a.set(0, 42);
}

if (isMain(import.meta)) {
  await using manager = await Manager();
  const l = await manager.list<string>();
  const v = await manager.Value("d", 0.0);
  const a = await manager.Array("i", [0, 1, 2, 3, 4]);
  const p = new Process({
    target: f,
    args: [l, v, a],
    module: import.meta.url,
  });
  p.start();
  await p.join();
  console.log(await l.toArray());
  console.log(await v.get());
  console.log(await a.toArray());
}
