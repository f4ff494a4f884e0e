// Python's "sharing state: shared memory" tutorial: a Value and an Array in
// shared memory, changed by a child process and seen by the parent.
import { Array as SharedArray, isMain, Process, Value } from "../mod.ts";
import type { SynchronizedArray } from "../mod.ts";

/** Runs in the child: sets the number and negates every array element. */
export function f(n: Value<"d">, a: SynchronizedArray<"i">): void {
  n.value = 3.1415927;
  for (let i = 0; i < a.length; i++) a[i] = -a[i];
}

if (isMain(import.meta)) {
  const num = new Value("d", 0.0);
  const arr = new SharedArray("i", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const p = new Process({
    target: f,
    args: [num, arr],
    module: import.meta.url,
  });
  p.start();
  await p.join();
  console.log(num.value);
  console.log([...arr]);
}
