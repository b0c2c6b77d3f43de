import assert from "node:assert/strict";
import { join } from "node:path";
import {
  certInfo,
  createCa,
  needsRenewal,
  normalizeSan,
  RENEW_WITHIN_DAYS,
  signCertificate,
} from "./cert.ts";
import { openssl, opensslText, opensslVerify, withTempDir } from "./testing.ts";
import { x509 } from "./x509_lib.ts";

const DAY = 86_400_000;

Deno.test("createCa() makes a 10-year X.509 v3 ECDSA P-256 CA that openssl accepts", async () => {
  const now = new Date();
  const commonName = `k3s-server-ca@${Math.floor(now.getTime() / 1000)}`;
  const ca = await createCa({ commonName, now });
  const text = await opensslText(ca.certPem);
  assert.match(text, /Version: 3 \(0x2\)/);
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(text, /NIST CURVE: P-256/);
  assert.match(text, new RegExp(`Subject: CN = ${commonName}\n`));
  assert.match(text, /Basic Constraints: critical\s+CA:TRUE/);
  assert.match(text, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
  assert.match(text, /Subject Key Identifier/);
  const info = certInfo(ca.certPem);
  assert.equal(info.isCa, true);
  assert.equal(info.version, 3);
  assert.equal(Math.round((info.notAfter.getTime() - now.getTime()) / DAY), 3650);
  assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  await opensslVerify(ca.certPem, ca.certPem);
});

Deno.test("signCertificate() issues v3 leaves with usages, SANs and key ids", async () => {
  const ca = await createCa({ commonName: "k3s-client-ca@1" });
  const server = await signCertificate({
    ca,
    commonName: "kube-apiserver",
    sans: ["localhost", "127.0.0.1", "::1", "0:0::1", "Kubernetes.Default", "10.43.0.1"],
    usage: "server",
  });
  const text = await opensslText(server.certPem);
  assert.match(text, /Version: 3 \(0x2\)/);
  assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
  assert.match(text, /Key Usage: critical\s+Digital Signature, Key Encipherment/);
  assert.match(text, /Extended Key Usage: \s+TLS Web Server Authentication\n/);
  assert.match(text, /Authority Key Identifier/);
  const sans = text.match(/Subject Alternative Name: \s+(.*)/)![1].split(", ").sort();
  assert.deepEqual(sans, [
    "DNS:kubernetes.default",
    "DNS:localhost",
    "IP Address:0:0:0:0:0:0:0:1",
    "IP Address:10.43.0.1",
    "IP Address:127.0.0.1",
  ]);
  assert.match(await opensslVerify(ca.certPem, server.certPem, "sslserver"), /OK/);

  const both = await signCertificate({
    ca,
    commonName: "system:node:n1",
    organizations: ["system:nodes", "extra"],
    usage: "both",
  });
  const bothText = await opensslText(both.certPem);
  assert.match(bothText, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(bothText, /Subject: O = system:nodes, O = extra, CN = system:node:n1/);
  assert.doesNotMatch(bothText, /Subject Alternative Name/);
  assert.match(await opensslVerify(ca.certPem, both.certPem, "sslclient"), /OK/);
  const info = certInfo(both.certPem);
  assert.deepEqual([info.commonName, info.organizations], ["system:node:n1", [
    "system:nodes",
    "extra",
  ]]);
  assert.equal(Math.round((info.notAfter.getTime() - Date.now()) / DAY), 365);
});

Deno.test("signCertificate() gives random serials and can keep an existing key", async () => {
  const ca = await createCa({ commonName: "ca" });
  const a = await signCertificate({ ca, commonName: "a", usage: "client" });
  const b = await signCertificate({ ca, commonName: "a", usage: "client", keyPem: a.keyPem });
  assert.equal(b.keyPem, a.keyPem);
  const serial = (pem: string) => openSerial(pem);
  assert.notEqual(await serial(a.certPem), await serial(b.certPem));
  await assert.rejects(
    signCertificate({ ca, commonName: "x", usage: "client", keyPem: "junk" }),
    /Cannot reuse private key/,
  );
  await assert.rejects(
    signCertificate({ ca, commonName: "x", usage: "nope" as "client" }),
    /unknown usage "nope"/,
  );
});

async function openSerial(pem: string): Promise<string> {
  return (await opensslText(pem)).match(/Serial Number:\s*\n?\s*([0-9a-f:]+)/)![1];
}

Deno.test("signCertificate() signs with a CA K3s or openssl made (SEC1 EC key)", async () => {
  await withTempDir(async (dir) => {
    const key = join(dir, "ca.key");
    const crt = join(dir, "ca.crt");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key);
    openssl(
      "req",
      "-x509",
      "-new",
      "-key",
      key,
      "-subj",
      "/CN=k3s-server-ca@1",
      "-days",
      "10",
      "-out",
      crt,
    );
    const ca = {
      certPem: openssl("x509", "-in", crt),
      keyPem: openssl("ec", "-in", key), // -----BEGIN EC PRIVATE KEY-----
    };
    assert.match(ca.keyPem, /BEGIN EC PRIVATE KEY/);
    const leaf = await signCertificate({ ca, commonName: "c", usage: "client" });
    assert.match(await opensslVerify(ca.certPem, leaf.certPem), /OK/);
  });
});

Deno.test("needsRenewal() is true within 120 days of expiry, expired or not yet valid", async () => {
  const ca = await createCa({ commonName: "ca" });
  const issued = new Date("2030-01-01T00:00:00Z");
  const { certPem } = await signCertificate({ ca, commonName: "c", usage: "client", now: issued });
  const notAfter = certInfo(certPem).notAfter.getTime();
  const at = (ms: number) => needsRenewal(certPem, new Date(ms));
  assert.equal(at(issued.getTime()), false);
  assert.equal(at(notAfter - (RENEW_WITHIN_DAYS + 1) * DAY), false);
  assert.equal(at(notAfter - (RENEW_WITHIN_DAYS - 1) * DAY), true);
  assert.equal(at(notAfter + DAY), true);
  assert.equal(at(issued.getTime() - DAY), true, "not valid yet: clock moved back");
});

Deno.test("normalizeSan() canonicalises IPs and lower-cases DNS names", () => {
  assert.equal(normalizeSan("0:0:0:0:0:0:0:1"), "ip:::1");
  assert.equal(normalizeSan("[::1]"), "ip:::1");
  assert.equal(normalizeSan("FD00:0043::0001"), "ip:fd00:43::1");
  assert.equal(normalizeSan("10.43.0.1"), "ip:10.43.0.1");
  assert.equal(normalizeSan(" My.Host "), "dns:my.host");
});

Deno.test("certInfo() reads openssl certificates as @peculiar/x509 does", async () => {
  await withTempDir((dir) => {
    const key = join(dir, "k.key");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key);
    const make = (name: string, ...args: string[]) => {
      const out = join(dir, `${name}.crt`);
      openssl("req", "-x509", "-new", "-key", key, "-days", "30", "-out", out, ...args);
      return openssl("x509", "-in", out);
    };
    const certs = [
      make(
        "sans",
        "-utf8",
        "-subj",
        "/O=system:nodes/O=Ünïcode, with comma/CN=system:node:n1",
        "-addext",
        "subjectAltName=DNS:Node-1.Example,IP:10.0.0.1,IP:fd00:0:0::1,email:a@b,URI:spiffe://x",
      ),
      make("plain", "-subj", "/CN=k3s-server-ca@1"),
      make("nocn", "-subj", "/O=only-org"),
      make("critical", "-subj", "/CN=c", "-addext", "subjectAltName=critical,DNS:a,DNS:a"),
    ];
    for (const pem of certs) {
      const theirs = new x509.X509Certificate(pem);
      const info = certInfo(pem);
      const sans = (theirs.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [])
        .filter((n) => n.type === "dns" || n.type === "ip").map((n) => normalizeSan(n.value));
      assert.deepEqual(info, {
        commonName: theirs.subjectName.getField("CN")[0] ?? "",
        organizations: theirs.subjectName.getField("O"),
        sans: [...new Set(sans)].sort(),
        notBefore: theirs.notBefore,
        notAfter: theirs.notAfter,
        isCa: theirs.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
        version: 3,
      });
    }
    assert.deepEqual(certInfo(certs[0]).organizations, ["system:nodes", "Ünïcode, with comma"]);
    assert.deepEqual(certInfo(certs[0]).sans, ["dns:node-1.example", "ip:10.0.0.1", "ip:fd00::1"]);
    assert.throws(() => certInfo("junk"), /Cannot parse certificate/);
    return Promise.resolve();
  });
});

Deno.test("certInfo() reads the version of a v1 certificate", async () => {
  await withTempDir(async (dir) => {
    const key = join(dir, "k.key");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key);
    openssl("req", "-new", "-key", key, "-subj", "/CN=v1", "-out", join(dir, "r.csr"));
    const pem = openssl(
      "x509",
      "-req",
      "-in",
      join(dir, "r.csr"),
      "-signkey",
      key,
      "-days",
      "3",
      "-set_serial",
      "7",
    );
    const info = certInfo(pem);
    assert.equal(info.version, (await opensslText(pem)).includes("Version: 1") ? 1 : 3);
    assert.equal(info.commonName, "v1");
  });
});
