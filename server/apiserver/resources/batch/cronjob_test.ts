import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, NOW, update } from "../apps/testing.ts";
import { cronJobs } from "./cronjob.ts";

function cronJob(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "hello", namespace: "default" },
    spec: {
      schedule: "*/5 * * * *",
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: "OnFailure",
              containers: [{ name: "hello", image: "busybox:1.36" }],
            },
          },
        },
      },
      ...spec,
    },
  };
}

Deno.test("cronjobs: a minimal cron job gets upstream's defaults", async () => {
  const { obj, errors } = await create(cronJobs, cronJob());
  assert.deepStrictEqual(errors, []);
  const { jobTemplate, ...spec } = obj.spec as Record<string, unknown>;
  assert.deepStrictEqual(spec, {
    schedule: "*/5 * * * *",
    concurrencyPolicy: "Allow",
    suspend: false,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
  });
  const jobSpec = (jobTemplate as { spec: Record<string, unknown> }).spec;
  // Job-level defaults are not applied inside the template; pod defaults are.
  assert.equal(jobSpec.backoffLimit, undefined);
  assert.equal(
    (jobSpec.template as { spec: Record<string, unknown> }).spec.dnsPolicy,
    "ClusterFirst",
  );
  assert.deepStrictEqual(obj.status, {});
});

Deno.test("cronjobs: schedules are parsed as 5-field cron expressions or macros", async () => {
  for (const schedule of ["@hourly", "0 0 * * SUN", "@every 2h"]) {
    assert.deepStrictEqual((await create(cronJobs, cronJob({ schedule }))).errors, [], schedule);
  }
  const { errors } = await create(cronJobs, cronJob({ schedule: "* * * * * *" }));
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid spec.schedule"]);
  assert.equal(errors[0].detail, "expected exactly 5 fields, found 6: [* * * * * *]");
  const empty = await create(cronJobs, cronJob({ schedule: "" }));
  assert.deepStrictEqual(fieldsOf(empty.errors), ["FieldValueRequired spec.schedule"]);
});

Deno.test("cronjobs: TZ= in a new schedule is refused", async () => {
  const { errors } = await create(cronJobs, cronJob({ schedule: "TZ=UTC 0 * * * *" }));
  assert.deepStrictEqual(errors.map((e) => e.detail), [
    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
  ]);
});

Deno.test("cronjobs: a stored TZ= schedule may stay, but not together with timeZone", async () => {
  const { obj: created } = await create(cronJobs, cronJob());
  const old = structuredClone(created);
  (old.spec as Record<string, unknown>).schedule = "CRON_TZ=Europe/Berlin 0 6 * * *";
  const relabelled = structuredClone(old);
  relabelled.metadata.labels = { team: "a" };
  assert.deepStrictEqual((await update(cronJobs, relabelled, old)).errors, []);
  const both = structuredClone(old);
  (both.spec as Record<string, unknown>).timeZone = "Europe/Berlin";
  assert.deepStrictEqual((await update(cronJobs, both, old)).errors.map((e) => e.detail), [
    "cannot use both timeZone field and TZ or CRON_TZ in schedule",
  ]);
});

Deno.test("cronjobs: time zones must be IANA names", async () => {
  assert.deepStrictEqual((await create(cronJobs, cronJob({ timeZone: "Asia/Tokyo" }))).errors, []);
  const cases: [string, string[]][] = [
    ["Mars/Olympus", ["unknown time zone Mars/Olympus"]],
    ["", ["timeZone must be nil or non-empty string"]],
    ["../etc/passwd", ["unknown time zone ../etc/passwd"]],
    ["Local", [
      "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
    ]],
  ];
  for (const [timeZone, details] of cases) {
    const { errors } = await create(cronJobs, cronJob({ timeZone }));
    assert.deepStrictEqual(errors.map((e) => e.detail), details, timeZone);
    assert.ok(errors.every((e) => e.field === "spec.timeZone"));
  }
});

Deno.test("cronjobs: the job template may not carry a selector or restart Always", async () => {
  const bad = cronJob();
  const jobSpec = (bad.spec as { jobTemplate: { spec: Record<string, unknown> } }).jobTemplate.spec;
  jobSpec.selector = { matchLabels: { a: "b" } };
  (jobSpec.template as { spec: Record<string, unknown> }).spec.restartPolicy = "Always";
  const { errors } = await create(cronJobs, bad);
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueRequired spec.jobTemplate.spec.template.spec.restartPolicy",
    "FieldValueInvalid spec.jobTemplate.spec.selector",
  ]);
});

Deno.test("cronjobs: names longer than 52 characters are refused on create only", async () => {
  const long = cronJob();
  long.metadata.name = "c".repeat(53);
  const { obj, errors } = await create(cronJobs, long);
  assert.deepStrictEqual(fieldsOf(errors), ["FieldValueInvalid metadata.name"]);
  const next = structuredClone(obj);
  (next.spec as Record<string, unknown>).suspend = true;
  assert.deepStrictEqual((await update(cronJobs, next, obj)).errors, []);
});

Deno.test("cronjobs: columns show schedule, zone, suspension, activity and last run", async () => {
  const { obj } = await create(cronJobs, cronJob({ timeZone: "Europe/Berlin" }));
  obj.status = {
    active: [{ name: "hello-1" }],
    lastScheduleTime: new Date(NOW.getTime() - 150_000).toISOString(),
  };
  const row = cells(cronJobs, obj);
  assert.deepStrictEqual(
    [row.Schedule, row.Timezone, row.Suspend, row.Active, row["Last Schedule"], row.Selector],
    ["*/5 * * * *", "Europe/Berlin", "False", 1, "2m30s", "<none>"],
  );
  const fresh = (await create(cronJobs, cronJob())).obj;
  assert.deepStrictEqual(
    [cells(cronJobs, fresh).Timezone, cells(cronJobs, fresh)["Last Schedule"]],
    [
      "<none>",
      "<none>",
    ],
  );
});
