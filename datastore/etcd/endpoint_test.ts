import assert from "node:assert/strict";
import { DatastoreUnavailableError } from "../backend.ts";
import { parseEtcdEndpoint, readCredentials } from "./endpoint.ts";

Deno.test("parseEtcdEndpoint() gives later members the first one's scheme and port 2379", () => {
  assert.deepEqual(parseEtcdEndpoint("https://a:2379,b,https://c:4001/"), {
    hosts: ["https://a:2379", "https://b:2379", "https://c:4001"],
    secure: true,
  });
  assert.deepEqual(parseEtcdEndpoint("http://127.0.0.1"), {
    hosts: ["http://127.0.0.1:2379"],
    secure: false,
  });
});

Deno.test("parseEtcdEndpoint() rejects other schemes and mixed http/https", () => {
  assert.throws(() => parseEtcdEndpoint("unix:///run/etcd.sock"), /must start with http/);
  assert.throws(() => parseEtcdEndpoint("http://a:2379,https://b:2379"), /mixes http and https/);
});

Deno.test("readCredentials() names a TLS file it cannot read", async () => {
  const endpoint = parseEtcdEndpoint("https://a:2379");
  await assert.rejects(
    readCredentials(endpoint, { caFile: "/nonexistent/ca.crt" }),
    (error: Error) =>
      error instanceof DatastoreUnavailableError && /\/nonexistent\/ca\.crt/.test(error.message),
  );
  await assert.rejects(
    readCredentials(endpoint, { caFile: "/etc/hostname", certFile: "/etc/hostname" }),
    /without its key/,
  );
  await assert.rejects(
    readCredentials(parseEtcdEndpoint("http://a"), { caFile: "/etc/hostname" }),
    /not https/,
  );
});
