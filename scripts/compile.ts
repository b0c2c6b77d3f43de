/**
 * `deno task compile`: the single `k3s` executable for x86_64 and aarch64 Linux. Every asset the
 * program reads is a module import (no file of the repository is read by path at run time), so
 * nothing needs `--include`. `deno compile` fetches its runtime stub for the target; where that
 * download is unreachable, `deno task bundle` checks the same property (tests/bundle_test.ts).
 *
 * @module
 */
const targets = [
  { target: "x86_64-unknown-linux-gnu", out: "dist/k3s-amd64" },
  { target: "aarch64-unknown-linux-gnu", out: "dist/k3s-arm64" },
];
const only = Deno.args[0];
let failed = false;
for (const t of targets) {
  if (only && !t.target.startsWith(only)) continue;
  console.log(`compiling ${t.out} for ${t.target}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "-A", "--target", t.target, "--output", t.out, "main.ts"],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    console.error(`compile for ${t.target} failed (exit ${code})`);
    failed = true;
  }
}
Deno.exit(failed ? 1 : 0);
