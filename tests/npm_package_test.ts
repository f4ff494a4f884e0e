// The npm build as a user meets it: packed, installed into a fresh Node
// project, imported, and type-checked. Runs where the build is, i.e. in the
// Node stage of `deno task test` (tests compiled into npm/tests), once per
// pinned Node line: npm, the program and the types are that line's.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";

const built = fileURLToPath(new URL("..", import.meta.url));
const isBuild = existsSync(join(built, "package.json")) &&
  import.meta.url.endsWith(".js");
const repo = join(built, "..");

// This line's `node` first on PATH, so `npm` (a Node script) runs on it too
// and checks the package's `engines` against it.
const env = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
};

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env, timeout: 180_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `${command} ${args.join(" ")} failed: ${stderr || stdout}`,
              { cause: error },
            ),
          );
        } else resolve(stdout);
      },
    );
  });
}

/** The repo's pinned `@types/node` for this Node line (`@types/node24`). */
function typesForThisLine(): string {
  const major = process.versions.node.split(".")[0];
  for (const name of [`node${major}`, "node"]) {
    const dir = join(repo, "node_modules", "@types", name);
    const pkg = join(dir, "package.json");
    if (
      existsSync(pkg) &&
      JSON.parse(readFileSync(pkg, "utf8")).version.split(".")[0] === major
    ) return dir;
  }
  throw new Error(
    `Cannot type-check on Node ${major}: no @types/node for it in package.json, received none in ${
      join(repo, "node_modules", "@types")
    }`,
  );
}

const program = `
import { Lock, Manager, Pool, Value } from "@seed/multiprocessing";

if (!import.meta.main) throw new Error("import.meta.main is not true");

const pool = new Pool(2);
const squares = await pool.map((x) => x * x, [1, 2, 3]);
pool.close();
await pool.join();

const counter = new Value("i", 0);
const lock = new Lock();
lock.acquire();
counter.value += 41;
lock.release();
counter.add(1);

const manager = await Manager();
const list = await manager.list();
await list.append("Hello");
const items = await list.toArray();
await manager.shutdown();
console.log(JSON.stringify({
  node: process.versions.node,
  squares,
  counter: counter.value,
  items,
}));
`;

// BullMQ and ioredis are optional peers, so npm did not install them.
const cluster = `
import { ClusterPool } from "@seed/multiprocessing/cluster";
await ClusterPool.connect({ connection: "redis://127.0.0.1:1" }).then(
  () => console.log("connected"),
  (error) => console.log(error.message),
);
`;

const typed = `
import { Pool, Value } from "@seed/multiprocessing";
const pool = new Pool(1);
const lengths: Promise<number[]> = pool.map((s: string) => s.length, ["a"]);
const v = new Value("d", 1.5);
const n: number = v.value;
// @ts-expect-error: map's result type is inferred as number[]
const wrong: Promise<string[]> = pool.map((s: string) => s.length, ["a"]);
const main: boolean = import.meta.main;
export async function scoped(): Promise<void> {
  await using scopedPool = new Pool(1);
  await scopedPool.map((x: number) => x, [1]);
}
export { lengths, main, n, wrong };
`;

describe("npm package", {
  skip: isBuild ? false : "runs against the npm build, in the Node stage",
}, () => {
  test(`npm package installs, runs, type-checks and names the missing cluster peers on Node ${process.versions.node}`, async () => {
    const project = await mkdtemp(join(tmpdir(), "mp-npm-"));
    try {
      const tarball = (await run("npm", [
        "pack",
        built,
        "--pack-destination",
        project,
        "--silent",
      ], project)).trim().split("\n").at(-1)!;
      await writeFile(
        join(project, "package.json"),
        JSON.stringify({ type: "module", private: true }),
      );
      await run("npm", [
        "install",
        "--engine-strict",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(project, tarball),
      ], project);
      await writeFile(join(project, "check.mjs"), program);
      const output = JSON.parse(
        await run(process.execPath, ["check.mjs"], project),
      );
      assert.deepEqual(output, {
        node: process.versions.node,
        squares: [1, 4, 9],
        counter: 42,
        items: ["Hello"],
      });
      await writeFile(join(project, "cluster.mjs"), cluster);
      assert.match(
        await run(process.execPath, ["cluster.mjs"], project),
        /^Cannot use @seed\/multiprocessing\/cluster: the optional peer dependency "ioredis" could not be loaded; install it with `npm install bullmq ioredis`, received /,
      );
      await writeFile(join(project, "check.ts"), typed);
      // As a user on this line has it: its @types/node in the project.
      await mkdir(join(project, "node_modules", "@types"), { recursive: true });
      await symlink(
        typesForThisLine(),
        join(project, "node_modules", "@types", "node"),
        "dir",
      );
      await run(join(repo, "node_modules", ".bin", "tsc"), [
        "--noEmit",
        "--strict",
        "--target",
        "ES2022",
        "--module",
        "NodeNext",
        "--moduleResolution",
        "NodeNext",
        "--lib",
        "ES2024,ESNext.Disposable",
        "--types",
        "node",
        "check.ts",
      ], project);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
