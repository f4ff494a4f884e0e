// Runs every tutorial program in examples/ in turn and fails if one fails.
const examples = [...Deno.readDirSync(new URL("../examples", import.meta.url))]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith(".ts"))
  .sort();
let failed = 0;
for (const name of examples) {
  console.log(`\n=== examples/${name}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(`../examples/${name}`, import.meta.url).pathname,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) failed++;
}
Deno.exit(failed === 0 ? 0 : 1);
