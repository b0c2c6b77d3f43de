/**
 * CronJobs: a CronJob scheduled every minute, made with kubectl, fires within a minute (job name
 * `<cronjob>-<minutes since the epoch>`, the scheduled-timestamp annotation, `status.active`,
 * then `lastSuccessfulTime` once its job completes); and, with a fake clock driving a second
 * instance of the controller against the same server, the concurrency policies (Allow, Forbid,
 * Replace), suspend, startingDeadlineSeconds and the history limits. The fake clock runs years
 * ahead on a yearly schedule, so that the server's own controller (real time) never fires these.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  CRON_JOBS,
  FakeClock,
  InformerFactory,
  JOBS,
  type KubeClient,
  type KubeObject,
  PODS,
} from "../kube/client/mod.ts";
import { formatTime } from "../kube/meta.ts";
import { CronJobController } from "../server/controllers/cronjob/mod.ts";
import type { Job } from "../server/controllers/common/types.ts";
import { kubectlSteps } from "./harness.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

/** Marks every running pod of `namespace` Succeeded. */
async function finishPods(client: KubeClient, namespace: string): Promise<void> {
  const pods = await client.list(PODS, { namespace });
  for (const p of pods.items) {
    if (p.status?.phase !== "Running") continue;
    await client.patch(
      PODS,
      p.metadata.name!,
      {
        status: {
          phase: "Succeeded",
          containerStatuses: (p.spec?.containers ?? []).map((c) => ({
            name: c.name,
            image: c.image ?? "",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: "Completed" } },
          })),
        },
      },
      "merge",
      { namespace, subresource: "status" },
    );
  }
}

function cronJob(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name },
    spec: {
      schedule: "0 0 1 1 *",
      timeZone: "UTC",
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
          },
        },
      },
      ...spec,
    },
  };
}

Deno.test("CronJobs start jobs on schedule", async (t) => {
  const cluster = await startCluster(1);
  const { server, client } = cluster;
  try {
    await kubectlSteps(t, server, "cron", async (k, t) => {
      await t.step("an every-minute schedule fires within a minute", async () => {
        await k.ok([
          "create",
          "cronjob",
          "tick",
          "--image=busybox",
          "--schedule=*/1 * * * *",
          "--restart=Never",
        ]);
        const job: Job = await eventually("the first job", async () => {
          const items = JSON.parse(await k.ok(["get", "jobs", "-o", "json"])).items as Job[];
          return items.find((j) => j.metadata.name?.startsWith("tick-"));
        }, 75_000);
        const scheduled = job.metadata.annotations
          ?.["batch.kubernetes.io/cronjob-scheduled-timestamp"];
        assert.ok(scheduled, "the scheduled-timestamp annotation");
        const minutes = Date.parse(scheduled!) / 60_000;
        assert.ok(Number.isInteger(minutes));
        assert.equal(job.metadata.name, `tick-${minutes}`);
        assert.deepEqual(
          job.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
          [["CronJob", "tick", true]],
        );
        const cj = await eventually("status.active", async () => {
          const c = JSON.parse(await k.ok(["get", "cronjob", "tick", "-o", "json"]));
          return c.status.active?.length === 1 && c;
        });
        assert.equal(cj.status.active[0].name, job.metadata.name);
        assert.equal(cj.status.lastScheduleTime, scheduled);
        await eventually("the job's pod to run and finish", async () => {
          await finishPods(client, k.namespace);
          const c = JSON.parse(await k.ok(["get", "cronjob", "tick", "-o", "json"]));
          return !!c.status.lastSuccessfulTime && !c.status.active;
        });
        await k.ok(["patch", "cronjob", "tick", "--type=merge", "-p", '{"spec":{"suspend":true}}']);
      });
    });

    await t.step("concurrency policies, deadlines and history with a fake clock", async (t) => {
      const ns = "cron-fake";
      await server.kubectlOk(["create", "namespace", ns]);
      // A minute before the next New Year's Day at least a day away, in UTC.
      const year = new Date(Date.now() + 86_400_000).getUTCFullYear() + 1;
      const clock = new FakeClock(Date.UTC(year, 0, 1) - 60_000);
      const newYear = (n: number) => Date.UTC(year + n, 0, 1);
      // The informers keep real time: only the controller lives on the fake clock.
      const informers = new InformerFactory(client);
      const controller = new CronJobController({
        name: "cronjob-test",
        client,
        informers,
        clock,
      });
      const ac = new AbortController();
      informers.start(ac.signal);
      const running = controller.run(1, ac.signal);
      const jobsOf = async (cj: string) =>
        (await client.list(JOBS, { namespace: ns })).items
          .filter((j) =>
            j.metadata.ownerReferences?.[0]?.name === cj && !j.metadata.deletionTimestamp
          )
          .map((j) => j.metadata.name!).sort();
      const nameAt = (cj: string, n: number) => `${cj}-${newYear(n) / 60_000}`;
      /** Moves the fake clock to 30 s past New Year `n` and waits for `want` jobs of `cj`. */
      const passNewYear = async (n: number, cj: string, want: string[]) => {
        await clock.advance(newYear(n) + 30_000 - clock.now());
        await eventually(`jobs of ${cj}: ${want}`, async () => {
          await clock.advance(0);
          const have = await jobsOf(cj);
          return JSON.stringify(have) === JSON.stringify([...want].sort()) && have;
        });
      };
      try {
        for (
          const [name, spec] of [
            ["allow", { concurrencyPolicy: "Allow" }],
            ["forbid", { concurrencyPolicy: "Forbid" }],
            ["replace", { concurrencyPolicy: "Replace" }],
            ["late", { startingDeadlineSeconds: 10, suspend: true }],
            ["paused", { suspend: true }],
            ["history", { successfulJobsHistoryLimit: 1 }],
          ] as const
        ) {
          await client.create(CRON_JOBS, cronJob(name, spec), { namespace: ns });
        }
        await informers.waitForSync(ac.signal);

        await t.step("each fires at the first New Year, but the suspended one", async () => {
          for (const cj of ["allow", "forbid", "replace", "history"]) {
            await passNewYear(0, cj, [nameAt(cj, 0)]);
          }
          assert.deepEqual(await jobsOf("paused"), []);
          const status = (await client.get(CRON_JOBS, "allow", { namespace: ns })).status as {
            lastScheduleTime?: string;
            active?: { name: string }[];
          };
          assert.equal(status.lastScheduleTime, formatTime(newYear(0)));
          assert.deepEqual(status.active?.map((a) => a.name), [nameAt("allow", 0)]);
        });

        await t.step("at the next, Allow adds, Forbid skips, Replace replaces", async () => {
          await passNewYear(1, "allow", [nameAt("allow", 0), nameAt("allow", 1)]);
          await passNewYear(1, "replace", [nameAt("replace", 1)]);
          await passNewYear(1, "forbid", [nameAt("forbid", 0)]);
        });

        await t.step("finished jobs beyond successfulJobsHistoryLimit go", async () => {
          await eventually("history's jobs to complete", async () => {
            await finishPods(client, ns);
            const jobs = (await client.list(JOBS, { namespace: ns })).items
              .filter((j) => j.metadata.name?.startsWith("history-"));
            return jobs.length > 0 &&
              jobs.every((j) =>
                (j.status as Job["status"])?.conditions?.some((c) => c.type === "Complete")
              );
          });
          // Only the newest finished job stays, beside the one just started.
          await passNewYear(2, "history", [nameAt("history", 1), nameAt("history", 2)]);
        });

        await t.step("a run older than startingDeadlineSeconds is skipped", async () => {
          // Resumed 30 s after this year's run, 20 s past its 10 s deadline: nothing starts.
          await client.patch(CRON_JOBS, "late", { spec: { suspend: false } }, "merge", {
            namespace: ns,
          });
          await eventually(
            "the resumption seen",
            () =>
              (informers.informer(CRON_JOBS).store.getByName("late", ns)?.spec as {
                suspend?: boolean;
              })?.suspend === false,
          );
          await new Promise((r) => setTimeout(r, 1000));
          assert.deepEqual(await jobsOf("late"), []);
          // The next run, looked at 5 s after its time, is within the deadline.
          await clock.advance(newYear(3) + 5_000 - clock.now());
          await eventually("late's job", async () => {
            const have = await jobsOf("late");
            return have.length === 1 && have;
          });
          assert.deepEqual(await jobsOf("late"), [nameAt("late", 3)]);
        });
      } finally {
        ac.abort();
        await running;
      }
    });
  } finally {
    await cluster.close();
  }
});
