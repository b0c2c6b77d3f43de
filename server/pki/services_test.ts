import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createCa, signCertificate } from "./cert.ts";
import { certStatus, checkCertificateFiles } from "./check.ts";
import { loadOrCreatePki } from "./pki.ts";
import { backupCertificates, removeFiles } from "./rotate.ts";
import { ALL_SERVICES, filesForServices, isService } from "./services.ts";
import { withTempDir } from "./testing.ts";

const DAY = 86_400_000;

async function pkiIn(dir: string) {
  return await loadOrCreatePki({
    dataDir: dir,
    hostname: "node-1",
    nodeIps: ["10.0.0.5"],
    tlsSans: [],
    serviceCidr: "10.43.0.0/16",
    clusterDomain: "cluster.local",
  });
}

Deno.test("filesForServices() covers every leaf certificate and key the PKI writes, and no CA", async () => {
  await withTempDir(async (dir) => {
    await pkiIn(dir);
    const tls = join(dir, "server", "tls");
    const covered = new Set([...filesForServices(dir, ALL_SERVICES).values()].flat());
    for (const name of await readdir(tls)) {
      const isCaOrServiceKey = /-ca(\.nochain)?\.(crt|key)$/.test(name) || /^service/.test(name);
      assert.equal(covered.has(join(tls, name)), !isCaOrServiceKey, name);
    }
  });
});

Deno.test("isService() accepts K3s's service names only", () => {
  for (const name of ["admin", "api-server", "kubelet", "k3s-controller", "k3s-server"]) {
    assert.ok(isService(name), name);
  }
  for (const name of ["certificate-authority", "Admin", "", "apiserver"]) {
    assert.ok(!isService(name), name);
  }
});

Deno.test("certStatus() is OK, WARNING within 120 days, EXPIRED, or NOT YET VALID", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  assert.equal(certStatus(at(-1), at(121), now), "OK");
  assert.equal(certStatus(at(-1), at(119), now), "WARNING");
  assert.equal(certStatus(at(-10), at(-1), now), "EXPIRED");
  assert.equal(certStatus(at(1), at(400), now), "NOT YET VALID");
});

Deno.test("checkCertificateFiles() reads each certificate of a chain and skips keys and missing files", async () => {
  await withTempDir(async (dir) => {
    const ca = await createCa({ commonName: "test-ca" });
    const leaf = await signCertificate({ ca, commonName: "both", usage: "both" });
    const chain = join(dir, "chain.crt");
    await Deno.writeTextFile(chain, leaf.certPem + ca.certPem);
    await Deno.writeTextFile(join(dir, "leaf.key"), leaf.keyPem);
    const certs = await checkCertificateFiles([
      chain,
      join(dir, "leaf.key"),
      join(dir, "missing.crt"),
      chain,
    ]);
    assert.deepEqual(certs.map((c) => [c.filename, c.subject, c.issuer, c.usages, c.status]), [
      ["chain.crt", "both", "test-ca", ["ServerAuth", "ClientAuth"], "OK"],
      ["chain.crt", "test-ca", "test-ca", ["CertSign"], "OK"],
    ]);
  });
});

Deno.test("backupCertificates() copies server/tls and the agent files; removeFiles() removes them", async () => {
  await withTempDir(async (dir) => {
    await pkiIn(dir);
    const agentFile = join(dir, "agent", "client-kubelet.crt");
    await Deno.mkdir(join(dir, "agent"));
    await Deno.writeTextFile(agentFile, "agent cert");
    const files = filesForServices(dir, ["admin", "kubelet"]);
    const all = [...files.values()].flat();
    const backup = await backupCertificates(dir, all, new Date(1_800_000_000_000));
    assert.equal(backup, join(dir, "server", "tls-1800000000"));
    const tls = join(dir, "server", "tls");
    for (const name of await readdir(tls)) {
      assert.equal(
        await Deno.readTextFile(join(backup, name)),
        await Deno.readTextFile(join(tls, name)),
      );
    }
    assert.equal(await Deno.readTextFile(join(backup, "client-kubelet.crt")), "agent cert");
    assert.equal((await Deno.stat(join(backup, "client-admin.key"))).mode! & 0o777, 0o600);
    const removed = await removeFiles(all);
    assert.deepEqual(
      removed.sort(),
      [
        agentFile,
        join(tls, "client-admin.crt"),
        join(tls, "client-admin.key"),
        join(tls, "client-kubelet.key"),
        join(tls, "serving-kubelet.key"),
      ].sort(),
    );
    assert.ok((await readdir(tls)).includes("client-ca.key"));
  });
});
