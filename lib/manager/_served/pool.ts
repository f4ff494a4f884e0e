// The server side of `SyncManager.Pool()` (Python's `SyncManager.Pool`): a
// Pool the server owns. A client names each task function (its export name
// and source); the server runs only exports of the modules its owner
// allowed (`poolModules`), so it never runs code a client wrote. Closed
// when its last proxy is dropped, terminated when the server shuts down.
import type { AsyncResult } from "../../pool/async_result.ts";
import type { Pool } from "../../pool/pool.ts";
import { describe, optionsObject } from "../../_core/validate.ts";
import { ProcessError } from "../../errors.ts";
import { RELEASED } from "./release.ts";
import type { TaskName } from "../_task.ts";

/** Python's `PoolProxy._method_to_typeid_`. */
export const POOL_RESULT_TYPES: Readonly<Record<string, string>> = {
  applyAsync: "AsyncResult",
  mapAsync: "AsyncResult",
  starmapAsync: "AsyncResult",
  imap: "Iterator",
  imapUnordered: "Iterator",
};

type Fn = (...args: unknown[]) => unknown;
const POOL_OPTIONS = ["initializer", "initargs", "maxtasksperchild", "module"];

function taskName(what: string, fn: unknown): TaskName {
  const { name, source } = (fn ?? {}) as Record<string, unknown>;
  if (
    typeof name !== "string" || (source !== null && typeof source !== "string")
  ) {
    throw new TypeError(
      `Cannot ${what}: the function must be named by { name, source }, received ${
        describe(fn)
      }`,
    );
  }
  return { name, source };
}

/**
 * The export `task` names in `modules`: the one whose source is the task's,
 * or, for a task named by a string, the one of that name.
 */
async function findTask(
  what: string,
  task: TaskName,
  modules: readonly string[],
): Promise<Fn> {
  for (const url of modules) {
    const exports = await import(url) as Record<string, unknown>;
    const found = task.source === null
      ? Object.hasOwn(exports, task.name) ? exports[task.name] : undefined
      : Object.values(exports).find((value) =>
        typeof value === "function" &&
        Function.prototype.toString.call(value) === task.source
      );
    if (typeof found === "function") return found as Fn;
  }
  const which = task.source === null
    ? `there is no function "${task.name}" among the exports`
    : `function "${task.name}" is not an export`;
  throw new ProcessError(
    `Cannot ${what}: ${which} of the pool's modules (${
      modules.join(", ")
    }); a manager's Pool runs only exports of the modules its owner allowed (poolModules), never source text from a client`,
  );
}

/** The modules a new pool may use: `asked`, each one allowed. */
function poolModulesOf(
  what: string,
  allowed: readonly string[],
  asked: unknown,
): readonly string[] {
  if (allowed.length === 0) {
    throw new ProcessError(
      `Cannot ${what}: the manager allows no task modules; its owner lists them in the SyncManager's poolModules option`,
    );
  }
  if (asked === undefined || asked === null) return allowed;
  const list = Array.isArray(asked) ? asked : [asked];
  for (const url of list) {
    if (typeof url !== "string" || !allowed.includes(url)) {
      throw new ProcessError(
        `Cannot ${what}: module ${
          typeof url === "string" ? `"${url}"` : describe(url)
        } is not one of the manager's poolModules (${allowed.join(", ")})`,
      );
    }
  }
  return list;
}

/** A Pool owned by the server. */
export class ServedPool {
  #pool: Pool;
  #modules: readonly string[];

  private constructor(pool: Pool, modules: readonly string[]) {
    this.#pool = pool;
    this.#modules = modules;
  }

  /** Builds the pool `manager.Pool(processes, options)` asked for. */
  static async create(
    allowed: readonly string[],
    processes: unknown,
    options: unknown,
  ): Promise<ServedPool> {
    const what = "create Pool on the manager";
    const { initializer, initargs, maxtasksperchild, module } = optionsObject(
      what,
      (options ?? undefined) as Record<string, unknown> | undefined,
      POOL_OPTIONS,
    );
    const modules = poolModulesOf(what, allowed, module);
    const init = initializer === undefined || initializer === null
      ? undefined
      : await findTask(what, taskName(what, initializer), modules);
    const { Pool } = await import("../../pool/pool.ts");
    const pool = new Pool(processes as number | undefined ?? undefined, {
      initializer: init,
      initargs: (initargs ?? undefined) as unknown[] | undefined,
      maxtasksperchild: maxtasksperchild as number | null | undefined,
      module: [...modules],
    });
    return new ServedPool(pool, modules);
  }

  async map(fn: unknown, items: unknown, options?: unknown): Promise<unknown> {
    return await this.#pool.map(
      await this.#task("map", fn),
      ...this.#items(
        "map",
        items,
        options,
      ),
    );
  }
  async starmap(
    fn: unknown,
    items: unknown,
    options?: unknown,
  ): Promise<unknown> {
    return await this.#pool.starmap(
      await this.#task("starmap", fn),
      ...this.#items("starmap", items, options) as [unknown[][], object],
    );
  }
  async apply(fn: unknown, args: unknown = []): Promise<unknown> {
    return await this.#pool.apply(await this.#task("apply", fn), args as []);
  }
  async applyAsync(
    fn: unknown,
    args: unknown = [],
  ): Promise<ServedAsyncResult> {
    const task = await this.#task("applyAsync", fn);
    return new ServedAsyncResult(this.#pool.applyAsync(task, args as []));
  }
  async mapAsync(
    fn: unknown,
    items: unknown,
    options?: unknown,
  ): Promise<ServedAsyncResult> {
    const task = await this.#task("mapAsync", fn);
    const [list, chunks] = this.#items("mapAsync", items, options);
    return new ServedAsyncResult(this.#pool.mapAsync(task, list, chunks));
  }
  async starmapAsync(
    fn: unknown,
    items: unknown,
    options?: unknown,
  ): Promise<ServedAsyncResult> {
    const task = await this.#task("starmapAsync", fn);
    const [list, chunks] = this.#items("starmapAsync", items, options);
    return new ServedAsyncResult(
      this.#pool.starmapAsync(task, list as unknown[][], chunks),
    );
  }
  async imap(
    fn: unknown,
    items: unknown,
    options?: unknown,
  ): Promise<ServedIterator> {
    const task = await this.#task("imap", fn);
    const [list, chunks] = this.#items("imap", items, options);
    return new ServedIterator(this.#pool.imap(task, list, chunks));
  }
  async imapUnordered(
    fn: unknown,
    items: unknown,
    options?: unknown,
  ): Promise<ServedIterator> {
    const task = await this.#task("imapUnordered", fn);
    const [list, chunks] = this.#items("imapUnordered", items, options);
    return new ServedIterator(this.#pool.imapUnordered(task, list, chunks));
  }
  close(): void {
    this.#pool.close();
  }
  join(): Promise<void> {
    return this.#pool.join();
  }
  terminate(): Promise<void> {
    return this.#pool.terminate();
  }

  [RELEASED](shutdown: boolean): Promise<void> {
    // The server stopping: stop the workers now. Dropped by every client
    // (its results may still be awaited): finish what was submitted, then
    // let the workers exit; the server terminates it if it stops first.
    if (shutdown) return this.#pool.terminate();
    this.#pool.close();
    return this.#pool.join();
  }

  #task(method: string, fn: unknown): Promise<Fn> {
    const what = `run ${method} on the manager's Pool`;
    return findTask(what, taskName(what, fn), this.#modules);
  }

  #items(
    method: string,
    items: unknown,
    options: unknown,
  ): [unknown[], { chunksize?: number }] {
    const what = `run ${method} on the manager's Pool`;
    if (!Array.isArray(items)) {
      throw new TypeError(
        `Cannot ${what}: the items must be an array, received ${
          describe(items)
        }`,
      );
    }
    const { chunksize } = optionsObject(
      what,
      (options ?? undefined) as { chunksize?: number } | undefined,
      ["chunksize"],
    );
    return [items, chunksize === undefined ? {} : { chunksize }];
  }
}

/** A pool result the server holds for an `AsyncResultProxy`. */
export class ServedAsyncResult {
  #result: AsyncResult<unknown>;

  constructor(result: AsyncResult<unknown> | AsyncResult<unknown[]>) {
    this.#result = result as AsyncResult<unknown>;
  }

  get(timeoutMs?: number | null): Promise<unknown> {
    return this.#result.get(timeoutMs ?? undefined);
  }
  wait(timeoutMs?: number | null): Promise<boolean> {
    return this.#result.wait(timeoutMs ?? undefined);
  }
  ready(): boolean {
    return this.#result.ready();
  }
  successful(): boolean {
    return this.#result.successful();
  }
}

/** An `imap` iterator the server holds for an `IteratorProxy`. */
export class ServedIterator {
  #iterator: AsyncIterator<unknown>;

  constructor(iterator: AsyncIterator<unknown>) {
    this.#iterator = iterator;
  }

  next(): Promise<IteratorResult<unknown>> {
    return this.#iterator.next();
  }
  async return(): Promise<IteratorResult<unknown>> {
    return await this.#iterator.return?.() ?? { done: true, value: undefined };
  }
}
