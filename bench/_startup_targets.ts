// Targets for bench/startup_bench.ts, passed to workers by module reference.

/** Does nothing: what Process start+join costs beyond the target. */
export function empty(): void {}

/** Returns its argument: one Pool task. */
export function identity(x: number): number {
  return x;
}
