import assert from "node:assert/strict";
import { formatFieldError } from "../../../../kube/errors.ts";
import type { KubeObject } from "../../../../kube/meta.ts";
import { validateCrd } from "./crd_validation.ts";
import { calculateNames, takenNames } from "./naming.ts";
import { cronTabCrd } from "./testing.ts";

Deno.test("validateCrd() accepts the CronTab CRD", () => {
  assert.deepEqual(validateCrd(cronTabCrd() as unknown as KubeObject), []);
});

Deno.test("validateCrd() reports names, group, scope and storage versions as upstream", () => {
  const crd = cronTabCrd() as unknown as KubeObject;
  crd.metadata = { name: "wrong.example.com" };
  const spec = crd.spec as Record<string, unknown>;
  spec.group = "nodot";
  spec.scope = "Global";
  spec.names = { plural: "crontabs", singular: "crontab", kind: "CronTab", listKind: "CronTab" };
  (spec.versions as Record<string, unknown>[])[0].storage = false;
  assert.deepEqual(validateCrd(crd).map(formatFieldError), [
    `metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group`,
    `spec.group: Invalid value: "nodot": should be a domain with at least one dot`,
    `spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"`,
    `spec.versions: Invalid value: ${
      JSON.stringify(spec.versions)
    }: must have exactly one version marked as storage version`,
    `spec.names.listKind: Invalid value: "CronTab": kind and listKind may not be the same`,
  ]);
});

Deno.test("calculateNames() refuses names other CRDs of the group accepted", () => {
  const other = {
    metadata: { name: "others.stable.example.com" },
    spec: { group: "stable.example.com", names: { plural: "others", kind: "CronTab" } },
    status: {
      acceptedNames: {
        plural: "others",
        singular: "other",
        kind: "CronTab",
        listKind: "CronTabList",
      },
    },
  } as unknown as KubeObject;
  const crd = cronTabCrd() as unknown as KubeObject;
  const r = calculateNames(crd, takenNames("stable.example.com", [other]));
  assert.equal(r.namesAccepted.status, "False");
  assert.equal(r.namesAccepted.reason, "ListKindConflict");
  assert.equal(r.namesAccepted.message, `"CronTabList" is already in use`);
  assert.equal(r.acceptedNames.plural, "crontabs");
  assert.equal(r.established.reason, "NotAccepted");
  const free = calculateNames(crd, takenNames("stable.example.com", []));
  assert.equal(free.namesAccepted.reason, "NoConflicts");
  assert.equal(free.established.reason, "Installing");
});
