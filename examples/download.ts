// The exercise: download the home page of every host listed in a file with a
// pool of 3 workers, each running `curl` (or `wget`) as a subprocess; save
// each page, print a line per URL (status, bytes, time) and the progress.
// Every failure — a missing tool, an unreachable host, a bad line, an HTTP
// error — is reported for its own URL, and the rest carry on.
//
//   deno run -A examples/download.ts hosts.txt [outDir] [--tool curl|wget]
//   deno run -A examples/download.ts            (demo: serves 127.0.0.1 itself)
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isMain, Pool } from "../mod.ts";

/** What happened to one line of the hosts file. */
export interface DownloadResult {
  /** The line as written in the file. */
  line: string;
  /** The URL fetched, when the line was valid. */
  url?: string;
  /** The HTTP status, when a response arrived. */
  status?: number;
  /** Bytes saved. */
  bytes?: number;
  /** Where the page was saved. */
  file?: string;
  /** Wall time of the download in milliseconds. */
  ms: number;
  /** Why it failed; absent on success. */
  error?: string;
}

/** The program that fetches a page: `curl`, `wget`, or a path to either. */
export type Tool = string;

// host[:port][/path] — a host name or IPv4 address, optional port and path.
const LINE =
  /^(?<host>[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63})(?::(?<port>\d{1,5}))?(?<path>\/\S*)?$/;

/** The URL for a hosts-file line, or `undefined` if the line is not a host. */
export function urlFor(line: string): string | undefined {
  const match = LINE.exec(line);
  if (match === null) return undefined;
  const { host, port, path = "/" } = match.groups!;
  if (port !== undefined && Number(port) > 65535) return undefined;
  return `http://${host}${port === undefined ? "" : `:${port}`}${path}`;
}

function run(
  tool: string,
  args: string[],
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({
        code: error === null
          ? 0
          : (error as { code?: number | string }).code ?? 1,
        stdout,
        stderr,
      });
    });
  });
}

/** Downloads one line's page into `outDir` with `tool`; never throws. */
export async function download(
  line: string,
  outDir: string,
  tool: Tool = "curl",
): Promise<DownloadResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const url = urlFor(line);
  if (url === undefined) {
    return {
      line,
      ms: ms(),
      error: `bad line: not a host name, received ${JSON.stringify(line)}`,
    };
  }
  const file = join(outDir, `${line.replace(/[^A-Za-z0-9.-]+/g, "_")}.html`);
  const wget = /wget[^/]*$/.test(tool);
  const args = wget
    ? ["-q", "-S", "--timeout=10", "--tries=1", "-O", file, url]
    : [
      "-sS",
      "--max-time",
      "10",
      "-o",
      file,
      "-w",
      "%{http_code} %{size_download}",
      url,
    ];
  const { code, stdout, stderr } = await run(tool, args);
  if (code === "ENOENT") {
    return {
      line,
      url,
      ms: ms(),
      error: `${tool} is not installed (install it, or pass --tool ${
        wget ? "curl" : "wget"
      })`,
    };
  }
  if (wget) {
    const status = Number(/HTTP\/[\d.]+ (\d{3})/.exec(stderr)?.[1] ?? 0) ||
      undefined;
    if (status !== undefined && status >= 400) {
      return { line, url, status, ms: ms(), error: `HTTP ${status}` };
    }
    if (code !== 0) {
      return {
        line,
        url,
        ms: ms(),
        error: lastLine(stderr) || `wget exited with ${code}`,
      };
    }
    const bytes = (await readFile(file)).length;
    return { line, url, status, bytes, file, ms: ms() };
  }
  if (code !== 0) {
    return {
      line,
      url,
      ms: ms(),
      error: lastLine(stderr) || `curl exited with ${code}`,
    };
  }
  const [status, bytes] = stdout.split(" ").map(Number);
  if (status >= 400) {
    return { line, url, status, ms: ms(), error: `HTTP ${status}` };
  }
  return { line, url, status, bytes, file, ms: ms() };
}

/** The tool's own error line, without curl's "curl: (7) " prefix or wget's headers. */
function lastLine(text: string): string {
  const lines = text.trim().split("\n").filter((line) => !line.startsWith(" "));
  return lines.at(-1)?.replace(/^curl: \(\d+\) /, "") ?? "";
}

/** One printable summary line for a result. */
export function summary(result: DownloadResult): string {
  const target = result.url ?? result.line;
  if (result.error !== undefined) {
    return `FAIL ${target}: ${result.error} (${result.ms} ms)`;
  }
  return `OK   ${target}: ${result.status}, ${result.bytes} bytes, ${result.ms} ms`;
}

/** Options of {@linkcode downloadAll}. */
export interface DownloadAllOptions {
  /** Where pages are saved. */
  outDir: string;
  /** @default "curl" */
  tool?: Tool;
  /** @default 3 */
  processes?: number;
  /** Called as each URL finishes, with the count done so far. */
  onResult?: (result: DownloadResult, done: number, total: number) => void;
}

/** Downloads every non-empty line of `hostsFile`; results in file order. */
export async function downloadAll(
  hostsFile: string,
  options: DownloadAllOptions,
): Promise<DownloadResult[]> {
  const { outDir, tool = "curl", processes = 3, onResult } = options;
  const lines = (await readFile(hostsFile, "utf8")).split("\n").map((l) =>
    l.trim()
  ).filter((l) => l !== "" && !l.startsWith("#"));
  await mkdir(outDir, { recursive: true });
  await using pool = new Pool(processes, { module: import.meta.url });
  const results: DownloadResult[] = [];
  let done = 0;
  const jobs = lines.map((line, index) => [index, line, outDir, tool] as const);
  for await (
    const [index, result] of pool.imapUnordered(downloadIndexed, jobs)
  ) {
    results[index] = result;
    onResult?.(result, ++done, lines.length);
  }
  return results;
}

/** `download` for `imapUnordered`: carries the line's index along. */
export async function downloadIndexed(
  [index, line, outDir, tool]: readonly [number, string, string, Tool],
): Promise<[number, DownloadResult]> {
  return [index, await download(line, outDir, tool)];
}

/** Serves a few pages on 127.0.0.1 for the offline demo and the tests. */
export async function serveDemoSite(): Promise<
  { port: number; close(): Promise<void> }
> {
  const server = createServer((request, response) => {
    if (request.url === "/missing") {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": "text/html" }).end(
      `<h1>Hello from ${request.url}</h1>\n`.repeat(50),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (isMain(import.meta)) {
  const { values, positionals } = parseArgs({
    options: { tool: { type: "string", default: "curl" } },
    allowPositionals: true,
  });
  const tool = values.tool!;
  let [hostsFile, outDir = join(tmpdir(), "mp-download")] = positionals;
  let site: Awaited<ReturnType<typeof serveDemoSite>> | undefined;
  if (hostsFile === undefined) {
    site = await serveDemoSite();
    hostsFile = join(tmpdir(), "mp-demo-hosts.txt");
    const hosts = [
      "127.0.0.1",
      "localhost",
      "127.0.0.1/about",
      "localhost/missing",
      "not a host!",
    ]
      .map((h) => h.replace(/^(127\.0\.0\.1|localhost)/, `$1:${site!.port}`));
    hosts.push("127.0.0.1:1"); // nothing listens on port 1
    await writeFile(hostsFile, hosts.join("\n") + "\n");
    console.log(
      `demo: serving 127.0.0.1:${site.port}; hosts file ${hostsFile}`,
    );
  }
  const results = await downloadAll(hostsFile, {
    outDir,
    tool,
    onResult: (result, done, total) =>
      console.log(`[${done}/${total}] ${summary(result)}`),
  });
  await site?.close();
  const failed = results.filter((r) => r.error !== undefined).length;
  console.log(
    `${
      results.length - failed
    } downloaded, ${failed} failed; pages in ${outDir}`,
  );
}
