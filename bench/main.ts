/**
 * Benchmarks: `deno task bench NAME` runs the benchmark `NAME` from the table below, each a
 * module in this folder exporting `run(args)` that prints one markdown table.
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
  pods: () => import("./pods.ts"),
};

const [name, ...args] = Deno.args;
const load = name === undefined ? undefined : benchmarks[name];
if (!load) {
  console.error(
    `Usage: deno task bench NAME [ARGS]; NAME is one of: ${Object.keys(benchmarks).join(", ")}`,
  );
  Deno.exit(2);
}
await (await load()).run(args);
