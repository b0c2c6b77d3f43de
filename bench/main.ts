/**
 * Benchmarks: `deno task bench NAME` runs the benchmark `NAME` from the table below, each a
 * module in this folder exporting `run(args)` that prints one markdown table. k3s runs as users
 * run it, from the build (`deno task build`, which `./k3s` runs); `--source` runs main.ts.
 *
 * @module
 */

interface Benchmark {
  run(args: string[]): Promise<void>;
}

const benchmarks: Record<string, () => Promise<Benchmark>> = {
  api: () => import("./api.ts"),
  "control-plane": () => import("./control_plane.ts"),
  datastore: () => import("./datastore.ts"),
  floor: () => import("./floor.ts"),
  pods: () => import("./pods.ts"),
};

const [name, ...rest] = Deno.args;
const load = name === undefined ? undefined : benchmarks[name];
if (!load) {
  console.error(
    `Usage: deno task bench NAME [--source] [ARGS]; NAME is one of: ${
      Object.keys(benchmarks).join(", ")
    }`,
  );
  Deno.exit(2);
}
// What users run (`./k3s`, the build in dist/k3s/) unless --source asks for main.ts; tests/harness.ts
// reads K3S_ENTRY, so it is set before a benchmark module loads.
const source = rest.includes("--source");
const args = rest.filter((a) => a !== "--source");
if (!source && !Deno.env.get("K3S_ENTRY")) {
  const root = new URL("..", import.meta.url).pathname;
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/build.ts"],
    cwd: root,
    stdout: "null",
  }).output();
  if (code !== 0) {
    console.error("Cannot benchmark the build: deno task build failed (--source measures main.ts)");
    Deno.exit(1);
  }
  Deno.env.set("K3S_ENTRY", `${root}dist/k3s/main.js`);
}
console.error(`bench ${name}: k3s is ${Deno.env.get("K3S_ENTRY") || "main.ts (the sources)"}`);
await (await load()).run(args);
