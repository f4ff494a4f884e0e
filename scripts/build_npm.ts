// Builds the npm package into npm/ with tsc: ESM + .d.ts, a package.json
// derived from deno.json, and the README. The tests are compiled alongside
// (npm/tests, left out of the package) so the suite runs against the build.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}npm`;
const deno = JSON.parse(readFileSync(`${root}deno.json`, "utf8"));

rmSync(out, { recursive: true, force: true });
const tsc = existsSync(`${root}node_modules/.bin/tsc`)
  ? `${root}node_modules/.bin/tsc`
  : "tsc";
execFileSync(tsc, ["-p", `${root}scripts/tsconfig.npm.json`], {
  stdio: "inherit",
});

// Every `npm:` import of deno.json becomes a dependency of the package,
// except those only `./cluster` uses: optional peer dependencies.
const OPTIONAL_PEERS = new Set(["bullmq", "ioredis"]);
const dependencies: Record<string, string> = {};
const peerDependencies: Record<string, string> = {};
for (const specifier of Object.values(deno.imports ?? {}) as string[]) {
  const m = /^npm:(@?[^@]+)@(.+)$/.exec(specifier);
  if (m === null) continue;
  if (OPTIONAL_PEERS.has(m[1])) peerDependencies[m[1]] = `^${m[2]}`;
  else dependencies[m[1]] = m[2];
}
const peerDependenciesMeta = Object.fromEntries(
  Object.keys(peerDependencies).map((name) => [name, { optional: true }]),
);

const pkg = {
  name: deno.name,
  version: deno.version,
  description:
    "Python's multiprocessing for Deno, Bun and Node: Pool, shared memory, locks, queues and managers",
  license: deno.license,
  type: "module",
  // The Node LTS lines tested (package.json pins them), from the first
  // release of each with `import.meta.main`, which the README's examples use.
  engines: { node: "^22.18.0 || >=24.2.0" },
  exports: {
    ".": { types: "./mod.d.ts", default: "./mod.js" },
    "./cluster": {
      types: "./lib/cluster/mod.d.ts",
      default: "./lib/cluster/mod.js",
    },
    "./cluster/worker": "./lib/cluster/worker.js",
  },
  types: "./mod.d.ts",
  bin: { "seedmp-cluster-worker": "./lib/cluster/worker.js" },
  files: ["mod.js", "mod.d.ts", "lib/", "README.md", "LICENSE"],
  dependencies,
  peerDependencies,
  peerDependenciesMeta,
  sideEffects: false,
};
writeFileSync(`${out}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
for (const file of ["README.md", "LICENSE"]) {
  if (existsSync(`${root}${file}`)) cpSync(`${root}${file}`, `${out}/${file}`);
}
console.log(`Built ${pkg.name}@${pkg.version} into npm/`);
