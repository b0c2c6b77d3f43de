import { rm } from "node:fs/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa, signCertificate } from "./cert.ts";
import { loadOrCreatePki } from "./pki.ts";

const ca = await createCa({ commonName: "bench-ca" });
const options = {
  nodeIps: ["192.168.1.10"],
  tlsSans: [],
  serviceCidr: "10.43.0.0/16",
  clusterDomain: "cluster.local",
};
const reused = mkdtempSync(join(tmpdir(), "pki-bench-"));
await loadOrCreatePki({ ...options, dataDir: reused });

Deno.bench("createCa() ECDSA P-256", async () => {
  await createCa({ commonName: "k3s-server-ca@1" });
});

Deno.bench("signCertificate() client cert", async () => {
  await signCertificate({ ca, commonName: "system:admin", usage: "client" });
});

Deno.bench("loadOrCreatePki() first start", async (b) => {
  const dataDir = mkdtempSync(join(tmpdir(), "pki-bench-"));
  b.start();
  await loadOrCreatePki({ ...options, dataDir });
  b.end();
  await rm(dataDir, { recursive: true });
});

Deno.bench("loadOrCreatePki() later start (reuse)", async () => {
  await loadOrCreatePki({ ...options, dataDir: reused });
});

globalThis.addEventListener("unload", () => rmSync(reused, { recursive: true }));
