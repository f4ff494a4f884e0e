// Python's Pool tutorial, in JavaScript: map a function over inputs in
// parallel, run one call asynchronously, then close and join.
import { currentProcess, isMain, Pool } from "../mod.ts";

/** Runs in the workers: exported and listed in `module`, so sent by reference. */
export function f(x: number): number {
  return x * x;
}

/** Says which worker ran it. */
export function whoRuns(x: number): string {
  return `${x} ran in ${currentProcess().name}`;
}

if (isMain(import.meta)) {
  const pool = new Pool(5, { module: import.meta.url });
  console.log(await pool.map(f, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  console.log(await pool.applyAsync(f, [10]).get(1000));
  for await (const line of pool.imap(whoRuns, [1, 2, 3])) console.log(line);
  pool.close();
  await pool.join();
}
