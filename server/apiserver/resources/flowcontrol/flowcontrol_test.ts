import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf } from "../apps/testing.ts";
import { TEST_DEFS, testServer } from "../../testing.ts";
import {
  ensureFlowControlBootstrap,
  flowSchemas,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  priorityLevelConfigurations as levels,
  resources,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from "./mod.ts";

Deno.test("flowcontrol: every bootstrap object is valid as it stands", async () => {
  for (const pl of [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS]) {
    const { obj, errors } = await create(levels, pl);
    assert.deepStrictEqual(errors, [], pl.metadata.name ?? "");
    assert.deepStrictEqual(obj.spec, pl.spec, `${pl.metadata.name} is changed by defaulting`);
  }
  for (const fs of [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS]) {
    const { obj, errors } = await create(flowSchemas, fs);
    assert.deepStrictEqual(errors, [], fs.metadata.name ?? "");
    assert.deepStrictEqual(obj.spec, fs.spec);
  }
});

Deno.test("prioritylevelconfigurations: v1 defaults and the table", async () => {
  const { obj, errors } = await create(levels, {
    metadata: { name: "mine" },
    spec: { type: "Limited", limited: { limitResponse: { type: "Queue", queuing: {} } } },
  });
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(obj.spec, {
    type: "Limited",
    limited: {
      nominalConcurrencyShares: 30,
      lendablePercent: 0,
      limitResponse: { type: "Queue", queuing: { handSize: 8, queues: 64, queueLengthLimit: 50 } },
    },
  });
  assert.deepStrictEqual(cells(levels, obj), {
    Type: "Limited",
    NominalConcurrencyShares: 30,
    Queues: 64,
    HandSize: 8,
    QueueLengthLimit: 50,
    Age: "0s",
  });
  const exempt = (await create(levels, MANDATORY_PRIORITY_LEVELS[0])).obj;
  assert.deepStrictEqual(cells(levels, exempt).Queues, "<none>");
  const bad = await create(levels, {
    metadata: { name: "bad" },
    spec: {
      type: "Limited",
      limited: {
        lendablePercent: 120,
        limitResponse: { type: "Queue", queuing: { queues: 2, handSize: 4, queueLengthLimit: 1 } },
      },
    },
  });
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueInvalid spec.limited.lendablePercent",
    "FieldValueInvalid spec.limited.limitResponse.queuing.handSize",
  ]);
});

Deno.test("flowschemas: matching precedence defaults to 1000 and rules are validated", async () => {
  const { obj, errors } = await create(flowSchemas, {
    metadata: { name: "mine" },
    spec: {
      priorityLevelConfiguration: { name: "workload-low" },
      rules: [{
        subjects: [{ kind: "User", user: { name: "bob" } }],
        nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }],
      }],
    },
  });
  assert.deepStrictEqual(errors, []);
  assert.equal((obj.spec as Record<string, unknown>).matchingPrecedence, 1000);
  assert.deepStrictEqual(cells(flowSchemas, obj), {
    PriorityLevel: "workload-low",
    MatchingPrecedence: 1000,
    DistinguisherMethod: "<none>",
    Age: "0s",
    MissingPL: "?",
  });
  const bad = await create(flowSchemas, {
    metadata: { name: "bad" },
    spec: {
      matchingPrecedence: 20000,
      priorityLevelConfiguration: {},
      distinguisherMethod: { type: "ByPhase" },
      rules: [{
        subjects: [{ kind: "Robot" }],
        resourceRules: [{ verbs: ["get", "*"], apiGroups: [""], resources: ["pods"] }],
      }],
    },
  });
  assert.deepStrictEqual(fieldsOf(bad.errors), [
    "FieldValueInvalid spec.matchingPrecedence",
    "FieldValueRequired spec.priorityLevelConfiguration.name",
    "FieldValueNotSupported spec.distinguisherMethod.type",
    "FieldValueNotSupported spec.rules[0].subjects[0].kind",
    "FieldValueInvalid spec.rules[0].resourceRules[0].verbs",
    "FieldValueRequired spec.rules[0].resourceRules[0].namespaces",
  ]);
});

Deno.test("ensureFlowControlBootstrap() creates the objects, restores drifted specs, marks dangling", async () => {
  const s = await testServer([...TEST_DEFS, ...resources]);
  try {
    const registry = s.api.registry;
    const first = await ensureFlowControlBootstrap(registry);
    assert.equal(first.created.length, 8 + 13);
    assert.ok(first.created.includes("prioritylevelconfigurations/node-high"));
    const base = "/apis/flowcontrol.apiserver.k8s.io/v1";
    const pl = await (await s.call("GET", `${base}/prioritylevelconfigurations/global-default`))
      .json();
    pl.spec.limited.nominalConcurrencyShares = 1;
    assert.equal(
      (await s.call("PUT", `${base}/prioritylevelconfigurations/global-default`, pl)).status,
      200,
    );
    const second = await ensureFlowControlBootstrap(registry);
    assert.deepStrictEqual(second, {
      created: [],
      updated: ["prioritylevelconfigurations/global-default"],
    });
    const restored =
      await (await s.call("GET", `${base}/prioritylevelconfigurations/global-default`)).json();
    assert.equal(restored.spec.limited.nominalConcurrencyShares, 20);
    const fs = await (await s.call("GET", `${base}/flowschemas/catch-all`)).json();
    assert.deepStrictEqual(fs.status.conditions.map((c: KubeObject) => [c.type, c.status]), [[
      "Dangling",
      "False",
    ]]);
  } finally {
    await s.close();
  }
});
