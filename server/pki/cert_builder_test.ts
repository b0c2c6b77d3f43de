import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { createCa, signCertificate } from "./cert.ts";
import { encodeName } from "./cert_builder.ts";
import { openssl, opensslText, opensslVerify, withTempDir } from "./testing.ts";
import { x509 } from "./x509_lib.ts";

Deno.test("signCertificate() writes what @peculiar/x509 reads back: names, key ids, SANs", async () => {
  const ca = await createCa({ commonName: "k3s-server-ca@1" });
  const leaf = await signCertificate({
    ca,
    commonName: "system:node:n1",
    organizations: ["system:nodes", "Ünïcode"],
    sans: ["localhost", "10.43.0.1", "FD00::1", "::1", "localhost"],
    usage: "both",
  });
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = new x509.X509Certificate(leaf.certPem);
  assert.equal(cert.issuer, caCert.subject);
  assert.equal(cert.subject, "O=system:nodes, O=Ünïcode, CN=system:node:n1");
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
  const expectedCaKeyId = await x509.SubjectKeyIdentifierExtension.create(caCert.publicKey);
  assert.equal(caKeyId, expectedCaKeyId.keyId, "the key id is the library's (SHA-1 of the key)");
  assert.equal(cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId, caKeyId);
  const keyId = await x509.SubjectKeyIdentifierExtension.create(cert.publicKey);
  assert.equal(cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId, keyId.keyId);
  const sans = cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.items;
  assert.deepEqual(sans.map((n) => `${n.type}:${n.value}`), [
    "dns:localhost",
    "ip:10.43.0.1",
    "ip:fd00::1",
    "ip:::1",
  ]);
  assert.ok(await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true }));
  assert.ok(new X509Certificate(leaf.certPem).checkIssued(new X509Certificate(ca.certPem)));
});

Deno.test("signCertificate() signs with P-384 and RSA CAs that openssl made", async () => {
  await withTempDir(async (dir) => {
    for (
      const [name, keyArgs] of [["p384", ["ec", "-pkeyopt", "ec_paramgen_curve:P-384"]], [
        "rsa",
        ["rsa", "-pkeyopt", "rsa_keygen_bits:2048"],
      ]] as const
    ) {
      const key = join(dir, `${name}.key`);
      const crt = join(dir, `${name}.crt`);
      openssl("genpkey", "-algorithm", ...keyArgs, "-out", key);
      openssl("req", "-x509", "-new", "-key", key, "-subj", `/CN=${name}-ca`, "-out", crt);
      const ca = { certPem: openssl("x509", "-in", crt), keyPem: openssl("pkey", "-in", key) };
      const leaf = await signCertificate({ ca, commonName: "c", sans: ["a.b"], usage: "server" });
      assert.match(await opensslVerify(ca.certPem, leaf.certPem, "sslserver"), /OK/, name);
      const text = await opensslText(leaf.certPem);
      assert.match(text, name === "rsa" ? /sha256WithRSAEncryption/ : /ecdsa-with-SHA384/);
    }
  });
});

Deno.test("encodeName() uses PrintableString where it can, else UTF8String (as Go)", () => {
  assert.deepEqual([...encodeName("a:b").slice(-5)], [0x13, 3, 0x61, 0x3a, 0x62]);
  assert.equal(encodeName("k3s@1").at(-7), 0x0c);
});

Deno.test("createCa() dates past 2049 are GeneralizedTime", async () => {
  const ca = await createCa({ commonName: "ca", now: new Date("2045-06-01T00:00:00Z") });
  assert.match(await opensslText(ca.certPem), /Not After : May 30 00:00:00 2055 GMT/);
  const der = atob(ca.certPem.replace(/-----[A-Z ]+-----|\s/g, ""));
  assert.ok(der.includes("\x18\x0f20550530000000Z"), "GeneralizedTime");
  assert.ok(der.includes("\x17\x0d450531235500Z"), "UTCTime");
});
