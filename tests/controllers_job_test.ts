/**
 * Jobs with the oldest and newest kubectl: completions 5 / parallelism 2 completes with never
 * more than 2 pods at once; Indexed jobs; backoffLimit, the pod failure policy and
 * activeDeadlineSeconds fail a job with upstream's reasons; ttlSecondsAfterFinished deletes it.
 * The simulated kubelet runs the pods; a test "workload" then ends each pod the way its job asks
 * (exit 0, or a given exit code), through the status API as a kubelet would.
 *
 * @module
 */
import assert from "node:assert/strict";
import { InformerFactory, type KubeClient, type Pod, PODS, WorkQueue } from "../kube/client/mod.ts";
import { formatTime } from "../kube/meta.ts";
import { kubectlSteps, type ScopedKubectl } from "./harness.ts";
import { eventually, startCluster } from "./controllers_helpers_test.ts";

/** How the pods of a job end: an exit code, or never. */
type Ending = number | "never";

/** Ends running pods by their job's `ending` (by the `job-name` label). */
function workload(client: KubeClient, namespace: string, endings: Map<string, Ending>) {
  const ac = new AbortController();
  const informers = new InformerFactory(client);
  const pods = informers.informer(PODS, { namespace });
  const queue = new WorkQueue<string>();
  let maxActive = new Map<string, number>();
  const activeOf = (job: string) =>
    pods.store.list().filter((p) =>
      p.metadata.labels?.["job-name"] === job && !p.metadata.deletionTimestamp &&
      p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed"
    ).length;
  const seen = (p: Pod) => {
    const job = p.metadata.labels?.["job-name"];
    if (!job) return;
    maxActive.set(job, Math.max(maxActive.get(job) ?? 0, activeOf(job)));
    if (p.status?.phase === "Running") queue.add(p.metadata.name!);
  };
  pods.addEventHandler({ add: seen, update: (_o, p) => seen(p) });
  const work = async () => {
    for (;;) {
      const name = await queue.get(ac.signal);
      if (name === undefined) return;
      try {
        const p = pods.store.getByName(name, namespace);
        const ending = endings.get(p?.metadata.labels?.["job-name"] ?? "");
        if (p && ending !== undefined && ending !== "never" && !p.metadata.deletionTimestamp) {
          await client.patch(
            PODS,
            name,
            {
              status: {
                phase: ending === 0 ? "Succeeded" : "Failed",
                conditions: [{ type: "Ready", status: "False", lastTransitionTime: formatTime() }],
                containerStatuses: (p.spec?.containers ?? []).map((c) => ({
                  name: c.name,
                  image: c.image ?? "",
                  imageID: "",
                  ready: false,
                  restartCount: 0,
                  state: {
                    terminated: { exitCode: ending, reason: ending === 0 ? "Completed" : "Error" },
                  },
                })),
              },
            },
            "merge",
            { namespace, subresource: "status" },
          );
        }
      } catch {
        /* gone meanwhile */
      } finally {
        queue.done(name);
      }
    }
  };
  informers.start(ac.signal);
  const worker = work();
  return {
    maxActive: (job: string) => maxActive.get(job) ?? 0,
    reset: () => (maxActive = new Map()),
    async stop() {
      ac.abort();
      queue.shutDown();
      await worker;
    },
  };
}

function job(name: string, spec: Record<string, unknown>) {
  return JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
      },
      ...spec,
    },
  });
}

/**
 * Polls until the job has condition `type` True. (`kubectl wait` would do, but kubectl 1.27's
 * wait on a condition already met when it starts takes up to a minute against this server.)
 */
async function waitFor(k: ScopedKubectl, name: string, type: string): Promise<void> {
  await eventually(`job ${name} ${type}`, async () => {
    const j = await getJob(k, name);
    return (j.status?.conditions ?? []).some((c: { type: string; status: string }) =>
      c.type === type && c.status === "True"
    );
  }, 60_000);
}

async function getJob(k: ScopedKubectl, name: string) {
  return JSON.parse(await k.ok(["get", "job", name, "-o", "json"]));
}

function conditions(j: { status: { conditions?: { type: string; reason?: string }[] } }) {
  return (j.status.conditions ?? []).map((c) => `${c.type}:${c.reason}`).sort();
}

Deno.test("Jobs complete, fail and expire with kubectl", async (t) => {
  const cluster = await startCluster(2);
  const { server, client } = cluster;
  try {
    await kubectlSteps(t, server, "job", async (k, t) => {
      const endings = new Map<string, Ending>();
      const w = workload(client, k.namespace, endings);
      try {
        await t.step("completions 5 / parallelism 2 completes, 2 pods at a time", async () => {
          endings.set("five", 0);
          await k.ok(["apply", "-f", "-"], {
            stdin: job("five", { completions: 5, parallelism: 2 }),
          });
          await waitFor(k, "five", "Complete");
          const j = await getJob(k, "five");
          assert.equal(j.status.succeeded, 5);
          assert.equal(j.status.failed ?? 0, 0);
          assert.ok(j.status.completionTime);
          assert.deepEqual(conditions(j), [
            "Complete:CompletionsReached",
            "SuccessCriteriaMet:CompletionsReached",
          ]);
          assert.deepEqual(j.status.uncountedTerminatedPods ?? {}, {});
          assert.ok(w.maxActive("five") <= 2, `${w.maxActive("five")} active at once`);
          assert.equal(w.maxActive("five"), 2);
          const pods: Pod[] = JSON.parse(
            await k.ok(["get", "pods", "-l", "job-name=five", "-o", "json"]),
          ).items;
          assert.equal(pods.length, 5);
          assert.ok(pods.every((p) => !p.metadata.finalizers?.length));
          const table = await k.ok(["get", "job", "five"]);
          assert.match(table, /five\s+(Complete\s+)?5\/5/);
        });

        await t.step("an Indexed job runs each index once", async () => {
          endings.set("indexed", 0);
          await k.ok(["apply", "-f", "-"], {
            stdin: job("indexed", { completions: 3, parallelism: 3, completionMode: "Indexed" }),
          });
          await waitFor(k, "indexed", "Complete");
          const j = await getJob(k, "indexed");
          assert.equal(j.status.completedIndexes, "0-2");
          const pods: Pod[] = JSON.parse(
            await k.ok(["get", "pods", "-l", "job-name=indexed", "-o", "json"]),
          ).items;
          const byIndex = pods.map((p) => [
            p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"],
            p.metadata.labels?.["batch.kubernetes.io/job-completion-index"],
            p.spec?.hostname,
            p.metadata.name?.replace(/-[a-z0-9]{5}$/, ""),
          ]).sort();
          assert.deepEqual(byIndex, [
            ["0", "0", "indexed-0", "indexed-0"],
            ["1", "1", "indexed-1", "indexed-1"],
            ["2", "2", "indexed-2", "indexed-2"],
          ]);
        });

        await t.step("backoffLimit: failures past the limit fail the job", async () => {
          endings.set("flaky", 1);
          await k.ok(["apply", "-f", "-"], { stdin: job("flaky", { backoffLimit: 1 }) });
          await waitFor(k, "flaky", "Failed");
          const j = await getJob(k, "flaky");
          assert.equal(j.status.failed, 2);
          assert.deepEqual(conditions(j), [
            "Failed:BackoffLimitExceeded",
            "FailureTarget:BackoffLimitExceeded",
          ]);
          const failed = j.status.conditions.find((c: { type: string }) => c.type === "Failed");
          assert.equal(failed.message, "Job has reached the specified backoff limit");
        });

        await t.step("a FailJob rule of the pod failure policy fails at once", async () => {
          endings.set("policy", 42);
          await k.ok(["apply", "-f", "-"], {
            stdin: job("policy", {
              backoffLimit: 6,
              podFailurePolicy: {
                rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }],
              },
            }),
          });
          await waitFor(k, "policy", "Failed");
          const j = await getJob(k, "policy");
          const failed = j.status.conditions.find((c: { type: string }) => c.type === "Failed");
          assert.equal(failed.reason, "PodFailurePolicy");
          assert.match(
            failed.message,
            new RegExp(
              `^Container c for pod ${k.namespace}/policy-[a-z0-9]{5} failed with exit code 42 matching FailJob rule at index 0$`,
            ),
          );
          assert.equal(j.status.failed, 1);
        });

        await t.step("activeDeadlineSeconds fails a job that runs too long", async () => {
          endings.set("slow", "never");
          await k.ok(["apply", "-f", "-"], {
            stdin: job("slow", { activeDeadlineSeconds: 2, parallelism: 2, completions: 4 }),
          });
          await waitFor(k, "slow", "Failed");
          const j = await getJob(k, "slow");
          assert.deepEqual(conditions(j), [
            "Failed:DeadlineExceeded",
            "FailureTarget:DeadlineExceeded",
          ]);
          assert.equal(j.status.active ?? 0, 0);
          await eventually("its pods to go", async () => {
            const out = await k.ok(["get", "pods", "-l", "job-name=slow", "-o", "name"]);
            return out.trim() === "";
          });
        });

        await t.step("ttlSecondsAfterFinished deletes a finished job and its pods", async () => {
          endings.set("brief", 0);
          await k.ok(["apply", "-f", "-"], { stdin: job("brief", { ttlSecondsAfterFinished: 1 }) });
          await eventually("the job to be deleted", async () => {
            const r = await k.run(["get", "job", "brief"]);
            return r.code !== 0 && /NotFound/.test(r.stderr);
          });
          await eventually("its pods to go", async () => {
            const out = await k.ok(["get", "pods", "-l", "job-name=brief", "-o", "name"]);
            return out.trim() === "";
          });
        });
      } finally {
        await w.stop();
      }
    });
  } finally {
    await cluster.close();
  }
});
