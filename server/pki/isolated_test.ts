import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadOrCreatePkiIsolated, pkiProgram } from "./isolated.ts";
import type { PkiOptions } from "./pki.ts";
import { opensslVerify, withTempDir } from "./testing.ts";

const MAIN = new URL("../../main.ts", import.meta.url).href;
const options = (dataDir: string): PkiOptions => ({
  dataDir,
  hostname: "edge-1",
  nodeIps: ["192.168.1.10"],
  tlsSans: ["k3s.example"],
  serviceCidr: "10.43.0.0/16",
  clusterDomain: "cluster.local",
  now: new Date("2026-01-02T03:04:05Z"),
});

Deno.test("a first start's PKI is made by the child program, and later starts read it here", async () => {
  await withTempDir(async (dir) => {
    const first = await loadOrCreatePkiIsolated(options(dir), MAIN);
    assert.equal(first.madeByChild, true);
    assert.ok(first.written.includes("server-ca"), first.written.join(","));
    assert.ok(first.written.includes("serving-kube-apiserver"));
    const tls = join(dir, "server", "tls");
    assert.equal(
      first.serving.certPem,
      await readFile(join(tls, "serving-kube-apiserver.crt"), "utf8"),
    );
    await opensslVerify(first.serverCa.certPem, first.serving.certPem);
    // The options crossed over whole: the --tls-san and the time the certificates start at.
    const text = new Deno.Command("openssl", {
      args: ["x509", "-noout", "-text", "-in", join(tls, "serving-kube-apiserver.crt")],
    }).outputSync();
    const out = new TextDecoder().decode(text.stdout);
    assert.match(out, /DNS:k3s\.example/);
    assert.match(out, /Not After : Jan {2}2 03:04:05 2027 GMT/);

    const later = await loadOrCreatePkiIsolated(options(dir), MAIN);
    assert.equal(later.madeByChild, false);
    assert.deepEqual(later.written, []);
    assert.equal(later.serverCa.certPem, first.serverCa.certPem);
  });
});

Deno.test("without the program beside the main module, the PKI is made in this process", async () => {
  await withTempDir(async (dir) => {
    assert.equal(pkiProgram("file:///nowhere/main.js"), null);
    assert.equal(pkiProgram("https://example.com/main.ts"), null);
    const pki = await loadOrCreatePkiIsolated(options(dir), "file:///nowhere/main.js");
    assert.equal(pki.madeByChild, false);
    assert.ok(pki.written.includes("server-ca"));
  });
});

Deno.test("an error the child reports is thrown, not hidden", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      loadOrCreatePkiIsolated({ ...options(dir), serviceCidr: "not-a-cidr" }, MAIN),
      /cidr|CIDR/,
    );
  });
});
