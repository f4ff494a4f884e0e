// Loads BullMQ (and checks its Redis client, ioredis) on first use, so that
// importing this entry point costs nothing until a pool or node starts, and a
// missing optional peer dependency fails with a message naming the package.
import type * as BullMQ from "bullmq";

/** The BullMQ module, as `import("bullmq")` gives it. */
export type BullMQModule = typeof BullMQ;

let loaded: Promise<BullMQModule> | null = null;

async function load(): Promise<BullMQModule> {
  for (const name of ["ioredis", "bullmq"]) {
    try {
      // Both specifiers are literal so bundlers and `deno publish` see them.
      await (name === "bullmq" ? import("bullmq") : import("ioredis"));
    } catch (error) {
      throw new Error(
        `Cannot use @seed/multiprocessing/cluster: the optional peer dependency "${name}" could not be loaded; install it with \`npm install bullmq ioredis\`, received ${
          (error as Error)?.message ?? error
        }`,
        { cause: error },
      );
    }
  }
  const module = await import("bullmq");
  // A CommonJS build imported from ESM puts its exports on `default`.
  return (module.Queue === undefined
    ? (module as unknown as { default: BullMQModule }).default
    : module) as BullMQModule;
}

/** BullMQ, loaded once. */
export function bullmq(): Promise<BullMQModule> {
  loaded ??= load();
  loaded.catch(() => loaded = null);
  return loaded;
}
