// Node built-in modules, loaded on first use and synchronously. A static
// import costs every worker its load time although most never use it
// (measured cold on Bun: node:net 60 ms, node:worker_threads 32 ms), and a
// dynamic `import()` would be async. All three runtimes have
// `process.getBuiltinModule`.
import process from "node:process";

/** The built-in module `name` (e.g. "node:net"), loaded once. */
export function builtin<T>(name: string): T {
  return process.getBuiltinModule(name) as T;
}
