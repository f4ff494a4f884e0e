// A first taste: a child process that changes shared memory its parent sees.
import { currentProcess, isMain, Process } from "../mod.ts";

/** Runs in the child: exported, so it goes by reference to the worker. */
export function greet(counter: Int32Array, who: string): void {
  Atomics.add(counter, 0, 1);
  console.log(`${currentProcess().name} says hello to ${who}`);
}

// Like Python's `if __name__ == "__main__"`: the worker imports this module
// to find `greet`, and must not start another child.
if (isMain(import.meta)) {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const p = new Process({
    target: greet,
    args: [counter, "bob"],
    module: import.meta.url,
  });
  p.start();
  await p.join();
  console.log(
    `child ${p.name} exited with ${p.exitCode}; counter = ${counter[0]}`,
  );
}
