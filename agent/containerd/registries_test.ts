import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRegistries, parseRegistries } from "./registries.ts";

Deno.test("parseRegistries() reads mirrors and configs in K3s's format", () => {
  const registries = parseRegistries(`
mirrors:
  docker.io:
    endpoint: ["https://mirror.example.com"]
    rewrite: { "^library/(.*)": "dockerhub/$1" }
  ghcr.io: {}
configs:
  mirror.example.com:
    auth: { username: u, password: p, auth: dTpw, identity_token: t }
    tls: { ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, insecure_skip_verify: true }
`);
  assert.deepEqual(registries, {
    mirrors: {
      "docker.io": {
        endpoint: ["https://mirror.example.com"],
        rewrite: { "^library/(.*)": "dockerhub/$1" },
      },
      "ghcr.io": { endpoint: [], rewrite: {} },
    },
    configs: {
      "mirror.example.com": {
        auth: { username: "u", password: "p", auth: "dTpw", identityToken: "t" },
        tls: { caFile: "/ca.pem", certFile: "/c.pem", keyFile: "/k.pem", insecureSkipVerify: true },
      },
    },
  });
});

Deno.test("parseRegistries() names the file and the field that is wrong", () => {
  const bad: [string, RegExp][] = [
    ["mirrors: [a]", /^Cannot read \/etc\/r\.yaml: mirrors must be a mapping$/],
    ["mirrors: { docker.io: { endpoint: x } }", /mirrors\.docker\.io\.endpoint must be a list/],
    [
      "mirrors: { docker.io: { rewrite: { a: 1 } } }",
      /mirrors\.docker\.io\.rewrite\.a must be a string/,
    ],
    ["configs: { r: { auth: { username: [x] } } }", /configs\.r\.auth\.username must be a string/],
    [
      "configs: { r: { tls: { insecure_skip_verify: yes please } } }",
      /insecure_skip_verify must be true or false/,
    ],
    ["mirrors: {", /^Cannot read \/etc\/r\.yaml: /],
  ];
  for (const [text, message] of bad) {
    assert.throws(() => parseRegistries(text, "/etc/r.yaml"), { message }, text);
  }
});

Deno.test("loadRegistries() treats a missing file as no registries", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3s-registries-"));
  try {
    assert.deepEqual(await loadRegistries(join(dir, "missing.yaml")), { mirrors: {}, configs: {} });
    await writeFile(
      join(dir, "r.yaml"),
      "configs:\n  r.example.com:\n    tls:\n      ca_file: /ca\n",
    );
    assert.deepEqual((await loadRegistries(join(dir, "r.yaml"))).configs, {
      "r.example.com": { tls: { caFile: "/ca" } },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
