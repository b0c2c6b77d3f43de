import assert from "node:assert/strict";
import { StatusError } from "../errors.ts";
import type { FieldPatchMeta } from "./patch_meta.ts";
import {
  applyStrategicMergePatch,
  type FieldLookup,
  strategicMergePatch,
  supportsStrategicMergePatch,
} from "./strategic_merge.ts";

// The schema of upstream's own test type: lists and maps under every strategy.
const MERGE_ITEM: Record<string, FieldPatchMeta> = {
  mergingList: { type: "MergeItem", strategy: "merge", mergeKey: "name" },
  mergingIntList: { strategy: "merge" },
  mergeItemPtr: { type: "MergeItem", strategy: "merge", mergeKey: "name" },
  replacingItem: { strategy: "replace" },
  retainKeysMap: { type: "RetainKeysMergeItem", strategy: "retainKeys" },
  retainKeysMergingList: { type: "MergeItem", strategy: "merge,retainKeys", mergeKey: "name" },
};
const lookup: FieldLookup = (type, field) => {
  if (type === "MergeItem") return Object.hasOwn(MERGE_ITEM, field) ? MERGE_ITEM[field] : undefined;
  if (type === "RetainKeysMergeItem" && field === "mergingIntList") return { strategy: "merge" };
  return undefined;
};

const smp = (original: unknown, patch: unknown) =>
  applyStrategicMergePatch(original, patch, "MergeItem", lookup);

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  throw new Error("patch applied unexpectedly");
}

Deno.test("strategic merge merges maps and replaces unkeyed lists", () => {
  assert.deepEqual(
    smp(
      {
        name: "a",
        simpleMap: { k1: "v1", k2: "v2" },
        nonMergingList: [{ name: "1" }, { name: "2" }],
      },
      { simpleMap: { k2: null, k3: "v3" }, nonMergingList: [{ name: "3" }], value: "x" },
    ),
    { name: "a", simpleMap: { k1: "v1", k3: "v3" }, nonMergingList: [{ name: "3" }], value: "x" },
  );
});

Deno.test("strategic merge merges keyed lists item by item", () => {
  assert.deepEqual(
    smp(
      { mergingList: [{ name: "1", value: "1" }, { name: "2", value: "2" }] },
      { mergingList: [{ name: "2", other: "b", value: null }] },
    ),
    { mergingList: [{ name: "1", value: "1" }, { name: "2", other: "b" }] },
  );
});

Deno.test("strategic merge puts new list items before unchanged live ones", () => {
  assert.deepEqual(
    smp({ mergingList: [{ name: "1" }, { name: "2" }] }, { mergingList: [{ name: "3" }] }),
    { mergingList: [{ name: "3" }, { name: "1" }, { name: "2" }] },
  );
  assert.deepEqual(smp({ mergingIntList: [1, 2, 4] }, { mergingIntList: [3] }), {
    mergingIntList: [3, 1, 2, 4],
  });
});

Deno.test("strategic merge merges primitive lists as sets", () => {
  assert.deepEqual(smp({ mergingIntList: [1, 2, 3] }, { mergingIntList: [3, 2, 1] }), {
    mergingIntList: [3, 2, 1],
  });
  assert.deepEqual(smp({ mergingIntList: [1, 2] }, { mergingIntList: [2, 5] }), {
    mergingIntList: [1, 2, 5],
  });
});

Deno.test("$patch: delete removes every matching list item", () => {
  assert.deepEqual(
    smp(
      { mergingList: [{ name: "1" }, { name: "2" }, { name: "1", value: "dup" }] },
      { mergingList: [{ name: "1", $patch: "delete" }, { name: "9", $patch: "delete" }] },
    ),
    { mergingList: [{ name: "2" }] },
  );
});

Deno.test("$patch: replace replaces a list or a map", () => {
  assert.deepEqual(
    smp(
      { mergingList: [{ name: "1" }, { name: "2" }] },
      { mergingList: [{ name: "3", value: "3" }, { $patch: "replace" }] },
    ),
    { mergingList: [{ name: "3", value: "3" }] },
  );
  assert.deepEqual(
    smp({ simpleMap: { a: "1", b: "2" } }, { simpleMap: { $patch: "replace", c: "3" } }),
    { simpleMap: { c: "3" } },
  );
  assert.deepEqual(smp({ a: 1, b: 2 }, { $patch: "replace", c: 3 }), { c: 3 });
});

Deno.test("$patch: delete on a map empties it, or drops a new one", () => {
  assert.deepEqual(smp({ simpleMap: { a: "1" } }, { simpleMap: { $patch: "delete" } }), {
    simpleMap: {},
  });
  assert.deepEqual(smp({}, { simpleMap: { $patch: "delete" } }), {});
});

Deno.test("unknown $patch directives fail", () => {
  assert.equal(
    failure(() => smp({ simpleMap: {} }, { simpleMap: { $patch: "bogus" } })).message,
    "Internal error occurred: unknown patch type: bogus in map: map[$patch:bogus]",
  );
  assert.equal(
    failure(() =>
      smp({ mergingList: [{ name: "1" }] }, { mergingList: [{ name: "1", $patch: "merge" }] })
    )
      .message,
    "Internal error occurred: merging lists cannot yet be specified in the patch",
  );
});

Deno.test("$deleteFromPrimitiveList removes scalars, whatever the list's strategy", () => {
  assert.deepEqual(
    smp({ mergingIntList: [1, 2, 3] }, { "$deleteFromPrimitiveList/mergingIntList": [2] }),
    {
      mergingIntList: [1, 3],
    },
  );
  assert.deepEqual(
    smp({ nonMergingIntList: [1, 2, 3] }, { "$deleteFromPrimitiveList/nonMergingIntList": [2] }),
    { nonMergingIntList: [1, 3] },
  );
  assert.deepEqual(
    smp({ mergingIntList: [1, 2] }, { "$deleteFromPrimitiveList/mergingIntList": [3] }),
    {
      mergingIntList: [1, 2],
    },
  );
  assert.deepEqual(smp({ foo: ["bar"] }, { "$deleteFromPrimitiveList/mergingIntList": [3] }), {
    foo: ["bar"],
  });
  assert.deepEqual(
    smp({ mergingIntList: null }, { "$deleteFromPrimitiveList/mergingIntList": [3] }),
    {
      mergingIntList: null,
    },
  );
  assert.equal(
    failure(() => smp({}, { "$deleteFromPrimitiveListmergingIntList": [1] })).message,
    "invalid patch format of primitive list",
  );
});

Deno.test("$setElementOrder orders merged lists, server-only items staying near their neighbours", () => {
  const current = {
    mergingList: [
      { name: 1, other: "a" },
      { name: 2, value: 2 },
      { name: 7 },
      { name: 9 },
      { name: 8 },
      { name: 3, value: 3 },
      { name: 4, value: 4 },
    ],
  };
  const patch = {
    "$setElementOrder/mergingList": [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }],
  };
  assert.deepEqual(smp(current, patch), {
    mergingList: [
      { name: 2, value: 2 },
      { name: 1, other: "a" },
      { name: 7 },
      { name: 9 },
      { name: 8 },
      { name: 4, value: 4 },
      { name: 3, value: 3 },
    ],
  });
});

Deno.test("$setElementOrder applies to lists and primitive lists with patch items", () => {
  assert.deepEqual(
    smp({ mergingIntList: [1, 4, 2] }, {
      "$setElementOrder/mergingIntList": [3, 1, 2],
      mergingIntList: [3],
    }),
    { mergingIntList: [3, 1, 4, 2] },
  );
  assert.deepEqual(
    smp(
      { mergingList: [{ name: 1 }, { name: 3 }] },
      {
        "$setElementOrder/mergingList": [{ name: 3 }, { name: 2 }, { name: 1 }],
        mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }],
      },
    ),
    { mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
  );
  assert.deepEqual(
    smp({ mergingIntList: [1, 3] }, { "$setElementOrder/mergingIntList": [3, 2, 1] }),
    {
      mergingIntList: [3, 1],
    },
  );
});

Deno.test("$setElementOrder works together with deletions in another list", () => {
  const current = {
    mergingList: [{ name: "a", value: "a" }, { name: "b", value: "b" }],
    mergeItemPtr: [{ name: "c", value: "c" }, { name: "d", value: "d" }],
  };
  const patch = {
    "$setElementOrder/mergingList": [{ name: "b" }],
    "$setElementOrder/mergeItemPtr": [{ name: "d" }, { name: "c" }],
    mergingList: [{ $patch: "delete", name: "a" }],
  };
  assert.deepEqual(smp(current, patch), {
    mergingList: [{ name: "b", value: "b" }],
    mergeItemPtr: [{ name: "d", value: "d" }, { name: "c", value: "c" }],
  });
});

Deno.test("$setElementOrder must agree with the patch list's order", () => {
  const err = failure(() =>
    smp(
      { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] },
      {
        "$setElementOrder/mergingList": [{ name: 1 }, { name: 2 }, { name: 3 }],
        mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }],
      },
    )
  );
  assert.equal(err.code, 500);
  assert.match(err.message, /doesn't match \$setElementOrder list/);
});

Deno.test("$retainKeys clears fields the patch does not keep", () => {
  assert.deepEqual(
    smp({ retainKeysMap: { name: "type1", value: "foo" } }, {
      retainKeysMap: { $retainKeys: ["name", "other"], name: "type2", other: "bar" },
    }),
    { retainKeysMap: { name: "type2", other: "bar" } },
  );
  assert.deepEqual(
    smp(
      { retainKeysMergingList: [{ name: "1", value: "a", other: "x" }, { name: "2" }] },
      { retainKeysMergingList: [{ name: "1", $retainKeys: ["name", "value"], value: "b" }] },
    ),
    { retainKeysMergingList: [{ name: "1", value: "b" }, { name: "2" }] },
  );
});

Deno.test("$retainKeys must list every patched field", () => {
  for (const retain of [["name"], "name"]) {
    const err = failure(() =>
      smp({ retainKeysMap: { name: "a" } }, { retainKeysMap: { $retainKeys: retain, value: "b" } })
    );
    assert.equal(err.code, 400);
    assert.equal(err.message, "invalid patch format of retainKeys");
  }
});

Deno.test("a list item without its merge key is an internal error", () => {
  const err = failure(() =>
    smp({ mergingList: [{ name: "1", value: "a" }] }, { mergingList: [{ value: "b" }] })
  );
  assert.equal(err.code, 500);
  assert.equal(
    err.message,
    "Internal error occurred: map: map[value:b] does not contain declared merge key: name",
  );
});

Deno.test("lists of lists are unprocessable", () => {
  const err = failure(() => smp({ mergingIntList: [[1]] }, { mergingIntList: [[2]] }));
  assert.equal(err.code, 422);
  assert.equal(err.message, "lists of lists are not supported");
});

Deno.test("replace strategy takes the patch map whole", () => {
  assert.deepEqual(smp({ replacingItem: { a: 1, b: 2 } }, { replacingItem: { c: 3 } }), {
    replacingItem: { c: 3 },
  });
});

Deno.test("new values drop nulls and directive members", () => {
  assert.deepEqual(
    smp({}, {
      simpleMap: { a: null, b: "1" },
      mergingList: [{ name: "x", $patch: "delete" }, { name: "y" }],
    }),
    { simpleMap: { b: "1" }, mergingList: [{ name: "y" }] },
  );
  assert.deepEqual(smp({ a: { b: 1 } }, { a: { c: { $retainKeys: ["d"], d: 1 } } }), {
    a: { b: 1, c: { d: 1 } },
  });
});

Deno.test("applyStrategicMergePatch() leaves its inputs untouched", () => {
  const original = { mergingList: [{ name: "1", value: "a" }], simpleMap: { a: "1" } };
  const patch = { mergingList: [{ name: "1", value: "b" }], simpleMap: { a: null } };
  const before = structuredClone([original, patch]);
  smp(original, patch);
  assert.deepEqual([original, patch], before);
});

Deno.test("applyStrategicMergePatch() rejects a patch that is not an object", () => {
  assert.equal(
    failure(() => smp({}, [1])).message,
    "json: cannot unmarshal array into Go value of type map[string]interface {}",
  );
  assert.equal(failure(() => smp({}, null)).code, 400);
});

Deno.test("supportsStrategicMergePatch() knows built-in kinds only", () => {
  for (
    const kind of [
      "v1/Pod",
      "apps/v1/Deployment",
      "batch/v1/CronJob",
      "v1/ConfigMap",
      "autoscaling/v2/HorizontalPodAutoscaler",
      "rbac.authorization.k8s.io/v1/ClusterRole",
      "apiextensions.k8s.io/v1/CustomResourceDefinition",
    ]
  ) {
    assert.ok(supportsStrategicMergePatch(kind), kind);
  }
  for (
    const kind of [
      "example.com/v1/Widget",
      "helm.cattle.io/v1/HelmChart",
      "apps/v2/Deployment",
      "v1/Nope",
      "Pod",
    ]
  ) {
    assert.ok(!supportsStrategicMergePatch(kind), kind);
  }
});

Deno.test("strategicMergePatch() answers 415 for custom resources", () => {
  const err = failure(() => strategicMergePatch({}, {}, "example.com/v1/Widget"));
  assert.equal(err.code, 415);
  assert.equal(err.reason, "UnsupportedMediaType");
  assert.match(err.message, /application\/merge-patch\+json/);
});
