// Runs the one test suite on Deno, Bun and every pinned Node line (Node
// against the npm build), prints each runtime's counts, and fails if any
// runtime fails or runs no test.
// Usage: deno task test [--runtime deno,bun,node] [files...]
// `node` means every line in package.json (node24,node22); name one to run
// only that line.
import { existsSync, readdirSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { nodeBinary, nodeLines } from "./_node_lines.ts";

const { values, positionals } = parseArgs({
  options: { runtime: { type: "string", default: "deno,bun,node" } },
  allowPositionals: true,
});
const root = new URL("..", import.meta.url).pathname;
Deno.chdir(root);

/** The test files of `path`: itself, or the `*_test.ts` files under it. */
const testFiles = (path: string): string[] =>
  statSync(path).isDirectory()
    ? (readdirSync(path, { recursive: true }) as string[])
      .filter((f) => f.endsWith("_test.ts")).sort()
      .map((f) => `${path.replace(/\/$/, "")}/${f}`)
    : [path];
// Node's test runner takes files only: folders are expanded for every runtime.
const files = (positionals.length > 0 ? positionals : ["tests"])
  .flatMap(testFiles);
const bin = (name: string) =>
  existsSync(`node_modules/.bin/${name}`) ? `node_modules/.bin/${name}` : name;

interface Counts {
  passed: number;
  failed: number;
}

type Parser = (output: string) => Counts;

const parseDeno: Parser = (output) => {
  const m =
    /(\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/
      .exec(output);
  if (m === null) return { passed: 0, failed: 1 };
  return { passed: Number(m[2] ?? m[1]), failed: Number(m[4] ?? m[3]) };
};
const parseBun: Parser = (output) => ({
  passed: Number(/^\s*(\d+) pass$/m.exec(output)?.[1] ?? 0),
  failed: Number(/^\s*(\d+) fail$/m.exec(output)?.[1] ?? 0),
});
const parseNode: Parser = (output) => ({
  passed: Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0),
  failed: Number(/^# fail (\d+)$/m.exec(output)?.[1] ?? 0),
});

/** Runs a command, echoing its output, and returns its exit code and output. */
async function run(
  command: string,
  args: string[],
): Promise<{ code: number; output: string }> {
  console.log(`\n$ ${command} ${args.join(" ")}`);
  // Deno.Command, not node:child_process: Deno rewrites a spawn of its own
  // executable as if it were `node`, which mangles `deno test`.
  const child = new Deno.Command(command, {
    args,
    env: { NO_COLOR: "1", FORCE_COLOR: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  async function echo(
    stream: ReadableStream<Uint8Array>,
    to: typeof Deno.stdout,
  ) {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      await to.write(chunk);
    }
  }
  await Promise.all([
    echo(child.stdout, Deno.stdout),
    echo(child.stderr, Deno.stderr),
  ]);
  return { code: (await child.status).code, output };
}

let built: Promise<number> | undefined;
/** Builds the npm package once for every Node line; its exit code. */
function buildNpm(): Promise<number> {
  built ??= run(Deno.execPath(), ["run", "-A", "scripts/build_npm.ts"])
    .then(({ code }) => code);
  return built;
}

const runners: Record<string, () => Promise<[number, Counts]>> = {
  async deno() {
    const { code, output } = await run(Deno.execPath(), [
      "test",
      "-A",
      "--no-check",
      ...files,
    ]);
    return [code, parseDeno(output)];
  },
  async bun() {
    const { code, output } = await run(bin("bun"), [
      "test",
      "--timeout",
      "120000",
      ...files.map((f) => `./${f}`),
    ]);
    return [code, parseBun(output)];
  },
};
const lines = nodeLines(root);
for (const line of lines) {
  runners[line.name] = async () => {
    const code = await buildNpm();
    if (code !== 0) return [code, { passed: 0, failed: 1 }];
    // TAP on every line: Node 23+ defaults to the spec reporter.
    const { code: exit, output } = await run(line.binary, [
      "--test",
      "--test-reporter=tap",
      ...files.map((f) => `npm/${f.replace(/\.ts$/, ".js")}`),
    ]);
    return [exit, parseNode(output)];
  };
}

const summary: string[] = [];
let ok = true;
let total: Counts = { passed: 0, failed: 0 };
const requested = values.runtime!.split(",")
  .flatMap((name) => name === "node" ? lines.map((line) => line.name) : name);
for (const name of requested) {
  if (runners[name] === undefined) {
    throw new TypeError(
      `Cannot run the tests: unknown runtime, expected one of node, ${
        Object.keys(runners).join(", ")
      }, received "${name}"`,
    );
  }
  // Before any stage runs: a Node line that is not installed fails now.
  const line = lines.find((line) => line.name === name);
  if (line !== undefined) nodeBinary(line);
}
// Built first: the Deno and Bun stages run a Node client from the build too
// (the cross-runtime manager test), and must not find a stale one.
if (await buildNpm() !== 0) {
  console.error("Cannot run the tests: the npm build failed");
  Deno.exit(1);
}
for (const name of requested) {
  const [code, counts] = await runners[name]();
  const good = code === 0 && counts.failed === 0 && counts.passed > 0;
  ok &&= good;
  total = {
    passed: total.passed + counts.passed,
    failed: total.failed + counts.failed,
  };
  summary.push(
    `${name.padEnd(6)} ${
      good ? "ok  " : "FAIL"
    } ${counts.passed} passed, ${counts.failed} failed (exit ${code})`,
  );
}
console.log(`\n${summary.join("\n")}`);
console.log(`total: ${total.passed} passed, ${total.failed} failed`);
Deno.exit(ok ? 0 : 1);
