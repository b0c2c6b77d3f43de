import assert from "node:assert/strict";
import { DatastoreUnavailableError } from "../backend.ts";
import { bytes, text } from "../conformance_helpers.ts";
import { startEtcd } from "./etcd_server.ts";
import { EtcdBackend } from "./mod.ts";

/**
 * Writes into `dir` a CA, etcd serving certificates for 127.0.0.1 (`server`) and for another
 * address (`wrong`), and a client certificate.
 */
async function makeCertificates(dir: string): Promise<void> {
  const openssl = async (...args: string[]) => {
    const { success, stderr } = await new Deno.Command("openssl", { args, cwd: dir }).output();
    if (!success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(stderr)}`);
  };
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl("req", "-x509", ...key, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=ca");
  const certificates = [
    ["server", "127.0.0.1", "serverAuth"],
    ["wrong", "127.0.0.2", "serverAuth"],
    ["client", "127.0.0.1", "clientAuth"],
  ];
  for (const [name, ip, usage] of certificates) {
    await Deno.writeTextFile(
      `${dir}/${name}.ext`,
      `subjectAltName=IP:${ip}\nextendedKeyUsage=${usage}\n`,
    );
    await openssl(
      "req",
      ...key,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    );
    await openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-out",
      `${name}.crt`,
      "-extfile",
      `${name}.ext`,
    );
  }
}

Deno.test({
  name: "EtcdBackend talks to etcd over TLS at an IP address, refusing a certificate for another",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "etcd-tls-" });
    try {
      await makeCertificates(dir);
      const etcd = await startEtcd({
        tls: {
          caFile: `${dir}/ca.crt`,
          certFile: `${dir}/server.crt`,
          keyFile: `${dir}/server.key`,
        },
      });
      try {
        assert.match(etcd.endpoint, /^https:/);
        const backend = new EtcdBackend({
          endpoint: etcd.endpoint,
          caFile: `${dir}/ca.crt`,
          certFile: `${dir}/client.crt`,
          keyFile: `${dir}/client.key`,
          compactIntervalMs: 0,
        });
        await backend.start();
        try {
          await backend.create("/tls", bytes("secure"));
          assert.equal(text((await backend.get("/tls")).kv?.value), "secure");
        } finally {
          await backend.close();
        }
        const anonymous = new EtcdBackend({
          endpoint: etcd.endpoint,
          caFile: `${dir}/ca.crt`,
          startTimeoutMs: 1_000,
        });
        const error = await anonymous.start().then(() => null, (error) => error);
        assert.ok(error instanceof DatastoreUnavailableError, `got ${error}`);
        assert.match(error.message, new RegExp(`Cannot reach etcd at ${etcd.endpoint}`));
      } finally {
        await etcd.stop();
      }
      const impostor = await startEtcd({
        tls: { caFile: `${dir}/ca.crt`, certFile: `${dir}/wrong.crt`, keyFile: `${dir}/wrong.key` },
      });
      try {
        // Retries go on until the certificate error is seen (under load an attempt may time out
        // first); then the abort ends start() at once.
        const seen: string[] = [];
        const stop = new AbortController();
        const backend = new EtcdBackend({
          endpoint: impostor.endpoint,
          caFile: `${dir}/ca.crt`,
          certFile: `${dir}/client.crt`,
          keyFile: `${dir}/client.key`,
          startTimeoutMs: 20_000,
          signal: stop.signal,
          onRetry: (error) => {
            seen.push(error.message);
            if (/is not in the cert.s list/.test(error.message)) stop.abort();
          },
        });
        const error = await backend.start().then(() => null, (error) => error);
        assert.ok(error instanceof DatastoreUnavailableError, "a certificate for another IP");
        assert.ok(
          seen.some((message) => /IP: 127\.0\.0\.1 is not in the cert.s list/.test(message)),
          seen.join("\n"),
        );
      } finally {
        await impostor.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
