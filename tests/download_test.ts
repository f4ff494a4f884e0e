import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  download,
  downloadAll,
  type DownloadResult,
  serveDemoSite,
  summary,
  urlFor,
} from "../examples/download.ts";

let site: Awaited<ReturnType<typeof serveDemoSite>>;
let dir: string;

before(async () => {
  site = await serveDemoSite();
  dir = await mkdtemp(join(tmpdir(), "mp-download-test-"));
});

after(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

async function hostsFile(lines: string[]): Promise<string> {
  const file = join(dir, `hosts-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(file, lines.join("\n") + "\n");
  return file;
}

function page(path: string): string {
  return `<h1>Hello from ${path}</h1>\n`.repeat(50);
}

function runningWith(text: string): string[] {
  return execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(text) && !line.includes("ps -eo"));
}

describe("examples/download.ts", () => {
  test("urlFor() accepts host[:port][/path] lines and rejects anything else", () => {
    assert.equal(urlFor("www.example.com"), "http://www.example.com/");
    assert.equal(urlFor("127.0.0.1:8080/a/b"), "http://127.0.0.1:8080/a/b");
    assert.equal(urlFor("not a host!"), undefined);
    assert.equal(urlFor("http://x.com"), undefined);
    assert.equal(urlFor("host:99999"), undefined);
  });

  test("downloadAll() downloads every URL from the local server, in file order", async () => {
    const { port } = site;
    const lines = [
      `127.0.0.1:${port}`,
      `localhost:${port}/about`,
      `127.0.0.1:${port}/x/y`,
    ];
    const progress: number[] = [];
    const results = await downloadAll(await hostsFile(lines), {
      outDir: join(dir, "all"),
      onResult: (_result, done, total) => progress.push(done * 10 + total),
    });
    assert.deepEqual(progress, [13, 23, 33]);
    assert.deepEqual(results.map((r) => [r.line, r.status, r.error]), [
      [lines[0], 200, undefined],
      [lines[1], 200, undefined],
      [lines[2], 200, undefined],
    ]);
    for (
      const [result, path] of results.map((r, i) =>
        [r, ["/", "/about", "/x/y"][i]] as const
      )
    ) {
      const expected = page(path);
      assert.equal(result.bytes, expected.length);
      assert.equal(await readFile(result.file!, "utf8"), expected);
      assert.match(
        summary(result),
        new RegExp(
          `^OK   ${result.url}: 200, ${expected.length} bytes, \\d+ ms$`,
        ),
      );
    }
    assert.deepEqual(runningWith(`:${port}`), []);
  });

  test("downloadAll() reports an unreachable port, a 404 and a bad line per URL while the rest succeed", async () => {
    const { port } = site;
    const lines = [
      "127.0.0.1:1",
      `127.0.0.1:${port}`,
      `localhost:${port}/missing`,
      "not a host!",
      `localhost:${port}`,
    ];
    const results = await downloadAll(await hostsFile(lines), {
      outDir: join(dir, "mixed"),
    });
    const [unreachable, ok1, missing, bad, ok2] = results;
    assert.equal(results.length, 5);
    assert.match(
      unreachable.error!,
      /^Failed to connect to 127\.0\.0\.1 port 1/,
    );
    assert.equal(unreachable.status, undefined);
    assert.deepEqual([missing.status, missing.error], [404, "HTTP 404"]);
    assert.equal(
      bad.error,
      'bad line: not a host name, received "not a host!"',
    );
    assert.equal(bad.url, undefined);
    for (const ok of [ok1, ok2]) {
      assert.deepEqual([ok.status, ok.error, ok.bytes], [
        200,
        undefined,
        page("/").length,
      ]);
    }
    assert.match(
      summary(missing),
      /^FAIL http:\/\/localhost:\d+\/missing: HTTP 404 \(\d+ ms\)$/,
    );
    assert.deepEqual(runningWith(`:${port}`), []);
  });

  test("downloadAll() reports a missing tool for each URL", async () => {
    const lines = [`127.0.0.1:${site.port}`, "bad line"];
    const results: DownloadResult[] = await downloadAll(
      await hostsFile(lines),
      {
        outDir: join(dir, "missing-tool"),
        tool: "no-such-downloader",
      },
    );
    assert.deepEqual(results.map((r) => r.error), [
      "no-such-downloader is not installed (install it, or pass --tool wget)",
      'bad line: not a host name, received "bad line"',
    ]);
  });

  test("download() works with wget too", async () => {
    const result = await download(`127.0.0.1:${site.port}/w`, dir, "wget");
    assert.deepEqual([result.status, result.error, result.bytes], [
      200,
      undefined,
      page("/w").length,
    ]);
    const missing = await download(
      `127.0.0.1:${site.port}/missing`,
      dir,
      "wget",
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.error, "HTTP 404");
  });
});
