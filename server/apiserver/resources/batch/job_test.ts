import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, NOW, update } from "../apps/testing.ts";
import { jobs } from "./job.ts";

const UID = "3f1c0a5e-7a7b-4d1e-9b59-2f5c8e0d6a11";

function job(spec: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default", uid: UID },
    spec: {
      template: {
        ...(labels ? { metadata: { labels } } : {}),
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "pi", image: "perl:5.34", command: ["perl", "-e", "print 1"] }],
        },
      },
      ...spec,
    },
  };
}

Deno.test("jobs: a minimal job gets upstream's defaults", async () => {
  const { obj, errors } = await create(jobs, job());
  assert.deepStrictEqual(errors, []);
  const { template: _t, selector: _s, ...spec } = obj.spec as Record<string, unknown>;
  assert.deepStrictEqual(spec, {
    backoffLimit: 6,
    completionMode: "NonIndexed",
    completions: 1,
    manualSelector: false,
    parallelism: 1,
    podReplacementPolicy: "TerminatingOrFailed",
    suspend: false,
  });
  assert.deepStrictEqual(obj.status, {});
});

Deno.test("jobs: parallelism alone leaves completions unset", async () => {
  const { obj } = await create(jobs, job({ parallelism: 3 }));
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.completions, undefined);
  assert.equal(spec.parallelism, 3);
});

Deno.test("jobs: the server generates the selector and template labels from the uid", async () => {
  const { obj, errors } = await create(jobs, job({}, { app: "pi" }));
  assert.deepStrictEqual(errors, []);
  const spec = obj.spec as { selector: unknown; template: { metadata: { labels: unknown } } };
  assert.deepStrictEqual(spec.selector, {
    matchLabels: { "batch.kubernetes.io/controller-uid": UID },
  });
  const expected = {
    app: "pi",
    "batch.kubernetes.io/controller-uid": UID,
    "batch.kubernetes.io/job-name": "pi",
    "controller-uid": UID,
    "job-name": "pi",
  };
  assert.deepStrictEqual(spec.template.metadata.labels, expected);
  // A job without labels of its own shows its template's.
  assert.deepStrictEqual(obj.metadata.labels, expected);
});

Deno.test("jobs: a hand-written selector without manualSelector is refused", async () => {
  const { errors } = await create(
    jobs,
    job({ selector: { matchLabels: { app: "pi" } } }, { app: "pi" }),
  );
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid spec.selector"]);
  assert.equal(errors[0].detail, "`selector` not auto-generated");
});

Deno.test("jobs: a conflicting generated label is refused", async () => {
  const { errors } = await create(jobs, job({}, { "job-name": "other" }));
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueInvalid spec.template.metadata.labels[job-name]",
  ]);
  assert.equal(errors[0].detail, "must be 'pi'");
});

Deno.test("jobs: a manual selector is kept as given", async () => {
  const { obj, errors } = await create(
    jobs,
    job({ manualSelector: true, selector: { matchLabels: { app: "pi" } } }, { app: "pi" }),
  );
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual((obj.spec as Record<string, unknown>).selector, {
    matchLabels: { app: "pi" },
  });
  const missing = await create(jobs, job({ manualSelector: true }, { app: "pi" }));
  assert.deepStrictEqual(fieldsOf(missing.errors), [
    "FieldValueRequired spec.selector",
    "FieldValueInvalid spec.template.metadata.labels",
  ]);
});

Deno.test("jobs: restartPolicy Always is refused", async () => {
  const always = job();
  const podSpec = (always.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  podSpec.restartPolicy = "Always";
  const { errors } = await create(jobs, always);
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueRequired spec.template.spec.restartPolicy"]);
  assert.equal(errors[0].detail, 'valid values: "OnFailure", "Never"');
  delete podSpec.restartPolicy;
  const defaulted = await create(jobs, always);
  assert.deepStrictEqual(fieldsOf(defaulted.errors), [
    "FieldValueRequired spec.template.spec.restartPolicy",
  ]);
});

Deno.test("jobs: indexed jobs need completions and a name that fits pod hostnames", async () => {
  const { errors } = await create(jobs, job({ completionMode: "Indexed", parallelism: 2 }));
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueRequired spec.completions"]);
  const long = job({ completionMode: "Indexed", completions: 10 });
  long.metadata.name = "a".repeat(62);
  assert.ok(
    fieldsOf((await create(jobs, long)).errors).includes("FieldValueInvalid metadata.name"),
  );
});

Deno.test("jobs: the template and completions are immutable, parallelism is not", async () => {
  const { obj: old } = await create(jobs, job());
  const scaled = structuredClone(old);
  (scaled.spec as Record<string, unknown>).parallelism = 4;
  const ok = await update(jobs, scaled, old);
  assert.deepStrictEqual(ok.errors, []);
  assert.equal(ok.obj.metadata.generation, 2);
  const changed = structuredClone(old);
  const spec = changed.spec as {
    completions: number;
    template: { spec: { containers: { image: string }[] } };
  };
  spec.completions = 2;
  spec.template.spec.containers[0].image = "perl:5.36";
  assert.deepStrictEqual(fieldsOf((await update(jobs, changed, old)).errors), [
    "FieldValueInvalid spec.completions",
    "FieldValueInvalid spec.template",
  ]);
});

Deno.test("jobs: a suspended job that never started may change its node selector", async () => {
  const { obj: old } = await create(jobs, job({ suspend: true }));
  const moved = structuredClone(old);
  const podSpec = (moved.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  podSpec.nodeSelector = { zone: "a" };
  assert.deepStrictEqual((await update(jobs, moved, old)).errors, []);
  old.status = { startTime: "2024-05-01T11:00:00Z" };
  assert.deepStrictEqual(fieldsOf((await update(jobs, moved, old)).errors), [
    "FieldValueInvalid spec.template",
  ]);
});

Deno.test("jobs: columns show status, completions and duration", async () => {
  const { obj } = await create(jobs, job());
  obj.status = {
    succeeded: 1,
    startTime: "2024-05-01T11:58:00Z",
    completionTime: "2024-05-01T11:58:45Z",
    conditions: [{ type: "Complete", status: "True" }],
  };
  const row = cells(jobs, obj);
  assert.deepStrictEqual([row.Status, row.Completions, row.Duration, row.Containers], [
    "Complete",
    "1/1",
    "45s",
    "pi",
  ]);
  assert.equal(row.Selector, `batch.kubernetes.io/controller-uid=${UID}`);
  obj.status = { active: 2, startTime: "2024-05-01T11:55:00Z" };
  (obj.spec as Record<string, unknown>).completions = undefined;
  (obj.spec as Record<string, unknown>).parallelism = 2;
  const running = cells(jobs, obj, NOW);
  assert.deepStrictEqual([running.Status, running.Completions, running.Duration], [
    "Running",
    "0/1 of 2",
    "5m",
  ]);
});
