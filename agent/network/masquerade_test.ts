import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MASQUERADE_CHAIN, renderMasquerade } from "./masquerade.ts";

const run = promisify(execFile);

Deno.test("renderMasquerade() masquerades what leaves the pod CIDR, not pod to pod", () => {
  const text = renderMasquerade("10.42.3.0/24");
  assert.match(text, /^\*nat\n/);
  assert.match(text, /-A K3S-POD-MASQ -s 10\.42\.3\.0\/24 -d 10\.42\.3\.0\/24 -j RETURN\n/);
  assert.match(text, /-A K3S-POD-MASQ -s 10\.42\.3\.0\/24 ! -d 224\.0\.0\.0\/4 -j MASQUERADE\n/);
  assert.match(text, /COMMIT\n$/);
});

Deno.test("renderMasquerade() loads into iptables and replaces the rules of another CIDR", async () => {
  // A network namespace of its own: the machine's rules are left alone.
  const script = [
    "set -e",
    `printf '%s' "$1" | iptables-restore -w --noflush`,
    `printf '%s' "$2" | iptables-restore -w --noflush`,
    `iptables -w -t nat -S ${MASQUERADE_CHAIN}`,
  ].join("\n");
  const { stdout } = await run("unshare", [
    "--net",
    "sh",
    "-c",
    script,
    "sh",
    renderMasquerade("10.42.1.0/24"),
    renderMasquerade("10.42.2.0/24"),
  ]);
  assert.equal(stdout.includes("10.42.1.0/24"), false);
  assert.equal(stdout.match(/-j MASQUERADE/g)?.length, 1);
  assert.match(stdout, /-A K3S-POD-MASQ -s 10\.42\.2\.0\/24 ! -d 224\.0\.0\.0\/4 -j MASQUERADE/);
});
