// The Node lines the npm package is tested on: every `nodeNN` alias of the
// `node` package in package.json's devDependencies (`"node24":
// "npm:node@24.21.0"`), newest first. The package ships the binary, so no
// machine-wide Node is involved; a missing binary means `npm ci` was not run.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One pinned Node line: its runtime name (`node24`), version and binary. */
export interface NodeLine {
  readonly name: string;
  readonly version: string;
  readonly binary: string;
}

/** The pinned Node lines of the checkout at `root`, newest first. */
export function nodeLines(root: string): NodeLine[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const lines: NodeLine[] = [];
  for (const [name, spec] of Object.entries(pkg.devDependencies ?? {})) {
    const m = /^npm:node@(\d+\.\d+\.\d+)$/.exec(spec as string);
    if (!/^node\d+$/.test(name) || m === null) continue;
    lines.push({
      name,
      version: m[1],
      binary: join(root, "node_modules", name, "bin", "node"),
    });
  }
  if (lines.length === 0) {
    throw new Error(
      'Cannot find the Node lines: package.json pins none, expected devDependencies such as "node24": "npm:node@24.21.0"',
    );
  }
  return lines.sort((a, b) => parseInt(b.version) - parseInt(a.version));
}

/** The binary of `line`; throws if `npm ci` has not installed it. */
export function nodeBinary(line: NodeLine): string {
  if (!existsSync(line.binary)) {
    throw new Error(
      `Cannot run ${line.name}: its binary is not installed (run npm ci), received no ${line.binary}`,
    );
  }
  return line.binary;
}
