import assert from "node:assert/strict";
import { EtcdBackend, openBackend, redact, SqliteBackend } from "./mod.ts";

Deno.test("openBackend() uses the SQLite file when no endpoint is given", () => {
  const backend = openBackend({ sqlitePath: "/data/server/db/state.db" });
  assert.ok(backend instanceof SqliteBackend);
  assert.equal(backend.path, "/data/server/db/state.db");
  assert.ok(openBackend({ endpoint: " ", sqlitePath: "/x.db" }) instanceof SqliteBackend);
});

Deno.test("openBackend() takes the path of a sqlite:// endpoint, dropping driver parameters", () => {
  const backend = openBackend({
    endpoint: "sqlite:///var/lib/k3s/state.db?_journal=WAL&cache=shared",
    sqlitePath: "/default.db",
  });
  assert.ok(backend instanceof SqliteBackend);
  assert.equal(backend.path, "/var/lib/k3s/state.db");
  const bare = openBackend({ endpoint: "sqlite://", sqlitePath: "/default.db" });
  assert.equal((bare as SqliteBackend).path, "/default.db");
});

Deno.test("openBackend() uses etcd for http:// and https:// endpoints", () => {
  for (const endpoint of ["http://10.0.0.1:2379", "https://a:2379,b:2379", "HTTPS://c"]) {
    assert.ok(openBackend({ endpoint, sqlitePath: "/x.db" }) instanceof EtcdBackend, endpoint);
  }
});

Deno.test("openBackend() rejects an unknown scheme, naming the endpoint without its password", () => {
  assert.throws(
    () => openBackend({ endpoint: "mysql://root:secret@tcp(db:3306)/k3s", sqlitePath: "/x.db" }),
    (error: Error) => {
      assert.match(error.message, /Cannot use datastore endpoint "mysql:\/\/root:\*\*\*@tcp/);
      assert.match(error.message, /scheme "mysql" is not supported/);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    },
  );
  assert.throws(() => openBackend({ endpoint: "db:2379", sqlitePath: "/x.db" }), /no scheme/);
});

Deno.test("redact() hides only the password of an endpoint", () => {
  assert.equal(redact("postgres://u:p@h:5432/db"), "postgres://u:***@h:5432/db");
  assert.equal(redact("https://h:2379"), "https://h:2379");
});

Deno.test("importing the datastore loads no gRPC: the etcd client is imported by start()", async () => {
  const mod = new URL("./mod.ts", import.meta.url);
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", mod.pathname],
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  const graph: {
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  } = JSON.parse(new TextDecoder().decode(stdout));
  const modules = new Map(graph.modules.map((m) => [m.specifier, m]));
  // Every module a plain import of mod.ts evaluates: static code imports, transitively.
  const loaded = new Set([mod.href]);
  for (const specifier of loaded) {
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      if (dependency.code && !dependency.isDynamic) loaded.add(dependency.code.specifier);
    }
  }
  const npm = [...loaded].filter((specifier) => specifier.startsWith("npm:"));
  assert.deepEqual(npm.filter((s) => /grpc|protobufjs|etcd3/.test(s)), []);
  const client = new URL("./etcd/client.ts", import.meta.url).href;
  assert.ok(modules.has(client) && !loaded.has(client), "client.ts is only imported dynamically");
});
