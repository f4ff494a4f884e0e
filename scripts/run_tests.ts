// Runs the one test suite on Deno, Bun and Node (Node against the npm
// build), prints each runtime's counts, and fails if any runtime fails or
// runs no test. Usage: deno task test [--runtime deno,bun,node] [files...]
import { existsSync, readdirSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: { runtime: { type: "string", default: "deno,bun,node" } },
  allowPositionals: true,
});
const root = new URL("..", import.meta.url).pathname;
Deno.chdir(root);

const files = positionals.length > 0
  ? positionals
  : (readdirSync("tests", { recursive: true }) as string[])
    .filter((f) => f.endsWith("_test.ts")).sort().map((f) => `tests/${f}`);
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
  async node() {
    const build = await run(Deno.execPath(), [
      "run",
      "-A",
      "scripts/build_npm.ts",
    ]);
    if (build.code !== 0) return [build.code, { passed: 0, failed: 1 }];
    const { code, output } = await run("node", [
      "--test",
      ...files.map((f) => `npm/${f.replace(/\.ts$/, ".js")}`),
    ]);
    return [code, parseNode(output)];
  },
};

const summary: string[] = [];
let ok = true;
let total: Counts = { passed: 0, failed: 0 };
for (const name of values.runtime!.split(",")) {
  const runner = runners[name];
  if (runner === undefined) {
    throw new TypeError(`Unknown runtime, received "${name}"`);
  }
  const [code, counts] = await runner();
  const good = code === 0 && counts.failed === 0 && counts.passed > 0;
  ok &&= good;
  total = {
    passed: total.passed + counts.passed,
    failed: total.failed + counts.failed,
  };
  summary.push(
    `${name.padEnd(5)} ${
      good ? "ok  " : "FAIL"
    } ${counts.passed} passed, ${counts.failed} failed (exit ${code})`,
  );
}
console.log(`\n${summary.join("\n")}`);
console.log(`total: ${total.passed} passed, ${total.failed} failed`);
Deno.exit(ok ? 0 : 1);
