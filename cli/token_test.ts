import assert from "node:assert/strict";
import { parseInvocation } from "./invocation.ts";
import { fakeFiles } from "./testing.ts";
import { kubeconfigPath, runTokenCommand, type TokenIo } from "./token.ts";

function io(existing: string[] = []): TokenIo & { out: string[] } {
  const out: string[] = [];
  return {
    out,
    print: (t) => out.push(t),
    now: () => new Date("2026-03-01T12:00:00Z"),
    exists: (p) => existing.includes(p),
  };
}

Deno.test("parseInvocation() hands `k3s token ...` to the token command", () => {
  assert.deepEqual(parseInvocation(["token", "list", "-o", "json"], {}, fakeFiles()), {
    kind: "token",
    args: ["list", "-o", "json"],
  });
  assert.deepEqual(parseInvocation(["help", "token"], {}, fakeFiles()), {
    kind: "token",
    args: ["--help"],
  });
});

Deno.test("k3s token generate prints a new bootstrap token", async () => {
  const o = io();
  assert.equal(await runTokenCommand(["generate"], {}, o), 0);
  assert.match(o.out[0], /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
});

Deno.test("k3s token --help lists the subcommands; create --help its flags", async () => {
  const o = io();
  await runTokenCommand(["--help"], {}, o);
  for (const sub of ["create", "delete", "generate", "list", "rotate"]) {
    assert.match(o.out[0], new RegExp(`^ {3}${sub} `, "m"));
  }
  await runTokenCommand(["create", "--help"], {}, o);
  assert.match(o.out[1], /--ttl value .*\(default: 24h0m0s\)/);
  assert.match(o.out[1], /--kubeconfig FILE .*\[\$KUBECONFIG\]/);
});

Deno.test("k3s token refuses unknown subcommands, flags and bad tokens before calling out", async () => {
  await assert.rejects(
    runTokenCommand(["frobnicate"], {}, io()),
    /unknown command "token frobnicate"/,
  );
  await assert.rejects(runTokenCommand(["list", "--ttl=1h"], {}, io()), /unknown flag: --ttl/);
  await assert.rejects(
    runTokenCommand(["create", "not-a-token", "--kubeconfig=/nonexistent"], {}, io()),
    /Cannot read kubeconfig|was not of the form/,
  );
});

Deno.test("kubeconfigPath() prefers --kubeconfig, then the data dir's admin kubeconfig", () => {
  assert.equal(kubeconfigPath("/k.yaml", "/d", io()), "/k.yaml");
  assert.equal(
    kubeconfigPath(undefined, "/d", io(["/d/server/cred/admin.kubeconfig"])),
    "/d/server/cred/admin.kubeconfig",
  );
  assert.equal(kubeconfigPath(undefined, "/d", io()), "/etc/rancher/k3s/k3s.yaml");
});
