import assert from "node:assert/strict";
import type { KubeObject } from "../../kube/meta.ts";
import { withName } from "./list_options.ts";
import { type CachedObject, WatchCache } from "./watch_cache.ts";

const PREFIX = "/registry/core/configmaps/";

/** A cached ConfigMap that counts how often its parsed form is read. */
function counted(ns: string, name: string, rv: number, reads: string[]): CachedObject {
  const obj: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: ns, resourceVersion: String(rv) },
  };
  return {
    key: `${PREFIX}${ns}/${name}`,
    rv,
    get obj() {
      reads.push(`${ns}/${name}`);
      return obj;
    },
    json: JSON.stringify(obj),
  };
}

Deno.test("a filter for one name reads only the objects stored under that name", () => {
  const reads: string[] = [];
  const items = ["a", "b", "root", "xroot"].flatMap((ns) =>
    ["cfg", "kube-root-ca.crt", "xkube-root-ca.crt"].map((n, i) => counted(ns, n, 10 + i, reads))
  );
  const cache = new WatchCache(PREFIX, items, 20);
  const filter = withName((o) => o.metadata.name === "kube-root-ca.crt", "kube-root-ca.crt");
  const found = cache.list(PREFIX, filter).map((i) => i.key.slice(PREFIX.length));
  assert.deepEqual(found, [
    "a/kube-root-ca.crt",
    "b/kube-root-ca.crt",
    "root/kube-root-ca.crt",
    "xroot/kube-root-ca.crt",
  ]);
  // A name that merely ends the same way ("xkube-root-ca.crt") is not read either.
  assert.deepEqual(reads, found);

  // Events of other names pass a watcher by unread; its own name's events arrive.
  reads.length = 0;
  const got: string[] = [];
  cache.watch({
    fromRv: 20,
    filter,
    sink: (type, item) => {
      got.push(`${type} ${item?.key.slice(PREFIX.length)}`);
      return true;
    },
  });
  cache.apply({ type: "ADDED", rv: 21, object: counted("c", "other", 21, reads) });
  cache.apply({ type: "ADDED", rv: 22, object: counted("c", "kube-root-ca.crt", 22, reads) });
  assert.deepEqual(got, ["ADDED c/kube-root-ca.crt"]);
  assert.deepEqual(reads, ["c/kube-root-ca.crt"]);
});

Deno.test("a filter without a name still reads every object it judges", () => {
  const reads: string[] = [];
  const cache = new WatchCache(
    PREFIX,
    [counted("a", "x", 1, reads), counted("a", "y", 2, reads)],
    2,
  );
  const found = cache.list(PREFIX, (o) => o.metadata.name === "y");
  assert.deepEqual(found.map((i) => i.key), [`${PREFIX}a/y`]);
  assert.deepEqual(reads, ["a/x", "a/y"]);
});
