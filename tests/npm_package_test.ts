// The npm build as a user meets it: packed, installed into a fresh Node
// project, imported, and type-checked. Runs where the build is, i.e. in the
// Node stage of `deno task test` (tests compiled into npm/tests).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";

const built = fileURLToPath(new URL("..", import.meta.url));
const isBuild = existsSync(join(built, "package.json")) &&
  import.meta.url.endsWith(".js");
const repo = join(built, "..");

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, timeout: 180_000 },
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

const program = `
import { Lock, Manager, Pool, Value } from "@seed/multiprocessing";

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
console.log(JSON.stringify({ squares, counter: counter.value, items }));
`;

const typed = `
import { Pool, Value } from "@seed/multiprocessing";
const pool = new Pool(1);
const lengths: Promise<number[]> = pool.map((s: string) => s.length, ["a"]);
const v = new Value("d", 1.5);
const n: number = v.value;
// @ts-expect-error: map's result type is inferred as number[]
const wrong: Promise<string[]> = pool.map((s: string) => s.length, ["a"]);
export { lengths, n, wrong };
`;

describe("npm package", {
  skip: isBuild ? false : "runs against the npm build, in the Node stage",
}, () => {
  test("npm package installs into a fresh Node project and works with types", async () => {
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
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(project, tarball),
      ], project);
      await writeFile(join(project, "check.mjs"), program);
      const output = JSON.parse(await run("node", ["check.mjs"], project));
      assert.deepEqual(output, {
        squares: [1, 4, 9],
        counter: 42,
        items: ["Hello"],
      });
      await writeFile(join(project, "check.ts"), typed);
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
        "--typeRoots",
        join(repo, "node_modules", "@types"),
        "check.ts",
      ], project);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
