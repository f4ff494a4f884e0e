// Fails if the library's modules import each other in a cycle (type-only
// imports count: a cycle is a cycle to a reader). Dynamic imports do not.
// Usage: deno run -A scripts/check_cycles.ts (part of `deno task check`).
const ENTRIES = [
  "mod.ts",
  "lib/cluster/mod.ts",
  "lib/cluster/worker.ts",
  "lib/_worker_main.ts",
  "lib/pool/_entry.ts",
];

interface Dependency {
  code?: { specifier: string };
  type?: { specifier: string };
  isDynamic?: boolean;
}
interface Info {
  modules: { specifier: string; dependencies?: Dependency[] }[];
}

const root = new URL("..", import.meta.url).href;
const edges = new Map<string, string[]>();
for (const entry of ENTRIES) {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL(root),
  }).output();
  const info = JSON.parse(new TextDecoder().decode(stdout)) as Info;
  for (const module of info.modules) {
    if (!module.specifier.startsWith(root)) continue;
    edges.set(
      module.specifier,
      (module.dependencies ?? []).filter((d) => !d.isDynamic).flatMap((d) =>
        [d.code?.specifier, d.type?.specifier].filter((s): s is string =>
          s !== undefined && s.startsWith(root)
        )
      ),
    );
  }
}

// Tarjan's strongly connected components: any of more than one module is a cycle.
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];
function visit(v: string): void {
  index.set(v, index.size);
  low.set(v, index.get(v)!);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
  }
  if (low.get(v) !== index.get(v)) return;
  const component: string[] = [];
  let w: string;
  do {
    w = stack.pop()!;
    onStack.delete(w);
    component.push(w.slice(root.length));
  } while (w !== v);
  if (component.length > 1) cycles.push(component.sort());
}
for (const v of edges.keys()) if (!index.has(v)) visit(v);

for (const cycle of cycles) console.error(`import cycle: ${cycle.join(" ↔ ")}`);
console.log(`${edges.size} modules, ${cycles.length} import cycles`);
if (cycles.length > 0) Deno.exit(1);
