/**
 * `k3s certificate check` and `rotate` on a data dir made by a real server, as a user runs
 * them: the server is stopped, the command runs (`deno run main.ts certificate …`), and the
 * server is started again on the same data dir.
 *
 * @module
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseKubeconfig } from "../kube/kubeconfig.ts";
import { createCa, signCertificate } from "../server/pki/cert.ts";
import { type CommandResult, REPO, run, startServer } from "./harness.ts";

/** The leaf certificates a server writes under server/tls, with their subject CN and usage. */
const LEAVES: Record<string, [string, string]> = {
  "client-admin.crt": ["system:admin", "ClientAuth"],
  "client-auth-proxy.crt": ["system:auth-proxy", "ClientAuth"],
  "client-controller.crt": ["system:kube-controller-manager", "ClientAuth"],
  "client-k3s-controller.crt": ["system:k3s-controller", "ClientAuth"],
  "client-kube-apiserver.crt": ["system:kube-apiserver", "ClientAuth"],
  "client-kube-proxy.crt": ["system:kube-proxy", "ClientAuth"],
  "client-scheduler.crt": ["system:kube-scheduler", "ClientAuth"],
  "client-supervisor.crt": ["system:k3s-supervisor", "ClientAuth"],
  "serving-kube-apiserver.crt": ["kube-apiserver", "ServerAuth"],
};
const CAS = ["server-ca", "client-ca", "request-header-ca"];
const DAY_MS = 86_400_000;

function k3s(args: string[]): Promise<CommandResult> {
  return run(Deno.execPath(), ["run", "-A", "--quiet", join(REPO, "main.ts"), ...args], {
    env: { NO_COLOR: "1" },
  });
}

async function k3sOk(args: string[]): Promise<CommandResult> {
  const r = await k3s(args);
  assert.equal(r.code, 0, `k3s ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r;
}

interface JsonCert {
  Filename: string;
  Subject: string;
  Issuer: string;
  Usages: string[];
  ExpiryTime: string;
  ResidualTime: number;
  Status: string;
}

async function checkJson(dataDir: string, ...extra: string[]): Promise<JsonCert[]> {
  const r = await k3sOk(["certificate", "check", "--data-dir", dataDir, "-o", "json", ...extra]);
  return JSON.parse(r.stdout).Certificates ?? [];
}

/** Serial numbers of the leaf certificates on disk, by file name. */
async function serials(tls: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of Object.keys(LEAVES)) {
    out[file] = new X509Certificate(await readFile(join(tls, file))).serialNumber;
  }
  return out;
}

async function caFiles(tls: string): Promise<string> {
  let all = "";
  for (const ca of CAS) {
    all += await readFile(join(tls, `${ca}.crt`), "utf8") +
      await readFile(join(tls, `${ca}.key`), "utf8");
  }
  return all;
}

async function backups(serverDir: string): Promise<string[]> {
  return (await readdir(serverDir)).filter((n) => /^tls-\d+$/.test(n));
}

Deno.test("k3s certificate check and rotate on a real server's data dir", async (t) => {
  const server = await startServer();
  const tls = join(server.dataDir, "server", "tls");
  const dataDir = server.dataDir;
  try {
    await server.stop();

    await t.step("check lists every leaf certificate as OK, in each format", async () => {
      const text = await k3sOk(["certificate", "check", "--data-dir", dataDir]);
      assert.match(text.stderr, /Server detected, checking agent and server certificates/);
      for (const [file, [cn, usage]] of Object.entries(LEAVES)) {
        const notAfter = new Date(new X509Certificate(await readFile(join(tls, file))).validTo);
        const at = notAfter.toISOString().replace(/\.\d+Z$/, "Z");
        assert.ok(
          text.stderr.includes(`${file}: certificate ${cn} (${usage}) is ok, expires at ${at}`),
          `${file} in:\n${text.stderr}`,
        );
      }
      assert.doesNotMatch(text.stderr, /WARN|ERROR/);

      const certs = await checkJson(dataDir);
      assert.deepEqual(certs.map((c) => c.Filename).sort(), Object.keys(LEAVES).sort());
      for (const c of certs) {
        assert.equal(c.Status, "OK", c.Filename);
        assert.equal(c.Subject, LEAVES[c.Filename][0]);
        assert.deepEqual(c.Usages, [LEAVES[c.Filename][1]]);
        assert.match(c.Issuer, /^k3s-(client|server|request-header)-ca@\d+$/);
        const days = c.ResidualTime / 1e9 / 86_400;
        assert.ok(days > 364 && days <= 365, `${c.Filename}: ${days} days left`);
      }

      const table = (await k3sOk(["certificate", "check", "-d", dataDir, "-o", "table"])).stdout;
      const lines = table.split("\n");
      assert.equal(lines[0], "");
      assert.match(lines[1], /^FILENAME +SUBJECT +USAGES +EXPIRES +RESIDUAL TIME +STATUS$/);
      for (const file of Object.keys(LEAVES)) {
        const row = lines.find((l) => l.startsWith(`${file} `));
        assert.ok(row, `${file} in:\n${table}`);
        assert.match(row, / UTC +1 year +OK$/);
        // Columns line up: every row has STATUS where the header has it.
        assert.equal(row.length - "OK".length, lines[1].indexOf("STATUS"));
      }

      const yaml =
        (await k3sOk(["certificate", "check", "-d", dataDir, "-o", "yaml", "-s", "admin"]))
          .stdout;
      assert.match(
        yaml,
        /^certificates:\n- filename: client-admin.crt\n {2}subject: system:admin\n/,
      );
      assert.match(yaml, /\n {2}residualtime: 87\d\dh\d+m[\d.]+s\n {2}status: OK\n/);
    });

    await t.step("a certificate near expiry shows WARNING, an expired one EXPIRED", async () => {
      const clientCa = {
        certPem: await readFile(join(tls, "client-ca.crt"), "utf8"),
        keyPem: await readFile(join(tls, "client-ca.key"), "utf8"),
      };
      const soon = await signCertificate({
        ca: clientCa,
        commonName: "system:admin",
        organizations: ["system:masters"],
        usage: "client",
        days: 30,
      });
      await writeFile(join(tls, "client-admin.crt"), soon.certPem);
      await writeFile(join(tls, "client-admin.key"), soon.keyPem, { mode: 0o600 });
      const gone = await signCertificate({
        ca: clientCa,
        commonName: "system:kube-scheduler",
        usage: "client",
        now: new Date(Date.now() - 40 * DAY_MS),
        days: 30,
      });
      await writeFile(join(tls, "client-scheduler.crt"), gone.certPem);
      await writeFile(join(tls, "client-scheduler.key"), gone.keyPem, { mode: 0o600 });

      const byFile = new Map((await checkJson(dataDir)).map((c) => [c.Filename, c]));
      assert.equal(byFile.get("client-admin.crt")?.Status, "WARNING");
      assert.equal(byFile.get("client-scheduler.crt")?.Status, "EXPIRED");
      assert.equal(byFile.get("client-controller.crt")?.Status, "OK");
      assert.ok(byFile.get("client-scheduler.crt")!.ResidualTime < 0);

      const text = await k3sOk(["certificate", "check", "-d", dataDir, "-s", "admin,scheduler"]);
      assert.match(
        text.stderr,
        /WARN \[certificate\] client-admin\.crt: certificate system:admin \(ClientAuth\) will expire within 120 days at /,
      );
      assert.match(
        text.stderr,
        /ERROR \[certificate\] client-scheduler\.crt: certificate system:kube-scheduler \(ClientAuth\) expired at /,
      );
      assert.doesNotMatch(text.stderr, /client-controller/, "only the services asked for");
    });

    await t.step(
      "rotate of an unknown service fails with the valid names, changing nothing",
      async () => {
        const before = await serials(tls);
        const r = await k3s(["certificate", "rotate", "-d", dataDir, "--service", "admin,nope"]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^Error: service nope is not recognized \(valid services: .*\)\n$/);
        for (const name of ["admin", "api-server", "kubelet", "kube-proxy", "k3s-controller"]) {
          assert.match(r.stderr, new RegExp(`[(, ]${name}[,)]`));
        }
        assert.deepEqual(await backups(join(dataDir, "server")), []);
        assert.deepEqual(await serials(tls), before);
      },
    );

    await t.step(
      "rotate admin and api-server, restart: new leaves, same CAs, kubectl works",
      async () => {
        const before = await serials(tls);
        const adminBefore = await readFile(join(tls, "client-admin.crt"), "utf8");
        const cas = await caFiles(tls);
        const r = await k3sOk([
          "certificate",
          "rotate",
          "-d",
          dataDir,
          "-s",
          "admin",
          "-s",
          "api-server",
        ]);
        assert.match(r.stderr, /Rotating certificates for admin\n/);
        assert.match(r.stderr, /Rotating certificates for api-server\n/);
        const m =
          /Successfully backed up certificates to (\S+), please restart k3s server or agent to rotate certificates/
            .exec(r.stderr);
        assert.ok(m, r.stderr);
        const backup = m[1];
        assert.match(backup, new RegExp(`^${join(dataDir, "server")}/tls-\\d+$`));
        assert.equal(await readFile(join(backup, "client-admin.crt"), "utf8"), adminBefore);
        assert.ok(existsSync(join(backup, "client-ca.key")), "the whole tls folder is backed up");
        for (const gone of ["client-admin", "client-kube-apiserver", "serving-kube-apiserver"]) {
          assert.ok(!existsSync(join(tls, `${gone}.crt`)), `${gone}.crt removed`);
          assert.ok(!existsSync(join(tls, `${gone}.key`)), `${gone}.key removed`);
        }
        assert.ok(existsSync(join(tls, "client-controller.crt")), "other services are kept");

        await server.restart();
        const after = await serials(tls);
        for (const file of Object.keys(LEAVES)) {
          const rotated = [
            "client-admin.crt",
            "client-kube-apiserver.crt",
            "serving-kube-apiserver.crt",
          ]
            .includes(file);
          // The expired scheduler certificate is renewed at start as well.
          const renewed = rotated || file === "client-scheduler.crt";
          if (renewed) assert.notEqual(after[file], before[file], `${file} is new`);
          else assert.equal(after[file], before[file], `${file} is kept`);
        }
        assert.equal(await caFiles(tls), cas, "the CAs are unchanged");
        const kubeconfig = parseKubeconfig(await readFile(server.kubeconfig, "utf8"));
        assert.equal(
          new X509Certificate(kubeconfig.certPem!).serialNumber,
          after["client-admin.crt"],
          "the admin kubeconfig holds the new admin certificate",
        );
        assert.match(await server.kubectlOk(["get", "namespaces"]), /kube-system/);
        assert.ok((await checkJson(dataDir)).every((c) => c.Status === "OK"));
      },
    );

    await t.step("rotate without --service rotates every service's certificates", async () => {
      await server.stop();
      const before = await serials(tls);
      const cas = await caFiles(tls);
      const r = await k3sOk(["certificate", "rotate", "--data-dir", dataDir]);
      assert.match(r.stderr, /Server detected, rotating agent and server certificates/);
      for (const file of Object.keys(LEAVES)) assert.ok(!existsSync(join(tls, file)), file);
      assert.ok(!existsSync(join(tls, "client-kubelet.key")), "the kubelet keys go too");
      await server.restart();
      const after = await serials(tls);
      for (const file of Object.keys(LEAVES)) assert.notEqual(after[file], before[file], file);
      assert.equal(await caFiles(tls), cas);
      assert.match(await server.kubectlOk(["get", "namespaces"]), /kube-system/);
    });
  } finally {
    await server.close();
  }
});

Deno.test("k3s certificate check on an agent's data dir checks the agent's certificates", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "k3s-cert-agent-"));
  try {
    const ca = await createCa({ commonName: "k3s-client-ca@1" });
    const kubelet = await signCertificate({
      ca,
      commonName: "system:node:edge-1",
      organizations: ["system:nodes"],
      usage: "client",
    });
    await mkdir(join(dataDir, "agent"));
    await writeFile(join(dataDir, "agent", "client-kubelet.crt"), kubelet.certPem + ca.certPem);
    await writeFile(join(dataDir, "agent", "client-kubelet.key"), kubelet.keyPem);
    const r = await k3sOk(["certificate", "check", "-d", dataDir, "-o", "table"]);
    assert.match(r.stderr, /Agent detected, checking agent certificates/);
    const rows = r.stdout.split("\n").filter((l) => l.startsWith("client-kubelet.crt "));
    // A file holding a chain shows each certificate, the CA with its CertSign usage.
    assert.equal(rows.length, 2, r.stdout);
    assert.match(rows[0], /system:node:edge-1 +ClientAuth +.* OK$/);
    assert.match(rows[1], /k3s-client-ca@1 +CertSign +.* 10 years +OK$/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
