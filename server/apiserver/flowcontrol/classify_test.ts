import assert from "node:assert/strict";
import { requestInfo } from "../request_info.ts";
import type { RequestContext } from "../context.ts";
import type { UserInfo } from "../resource.ts";
import { FlowControl } from "./mod.ts";

const fc = new FlowControl({
  maxRequestsInflight: 20,
  maxMutatingRequestsInflight: 10,
  priorityAndFairness: true,
});

function ctx(user: UserInfo, method: string, path: string): RequestContext {
  const url = new URL(`https://h${path}`);
  const req = new Request(url, { method });
  return {
    req,
    url,
    info: requestInfo(method, url),
    user,
    now: new Date(),
    warnings: [],
    signal: req.signal,
  };
}

const authed = (name: string, ...groups: string[]) => ({
  name,
  groups: [...groups, "system:authenticated"],
});
const sa = (ns: string, name: string) =>
  authed(
    `system:serviceaccount:${ns}:${name}`,
    "system:serviceaccounts",
    `system:serviceaccounts:${ns}`,
  );

Deno.test("FlowControl.classify() puts system components in their own priority levels", () => {
  const level = (user: UserInfo, method: string, path: string) =>
    fc.classify(ctx(user, method, path))?.level;
  const kubelet = authed("system:node:n1", "system:nodes");
  assert.equal(level(kubelet, "PATCH", "/api/v1/nodes/n1/status"), "node-high");
  assert.equal(
    level(kubelet, "PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1"),
    "node-high",
  );
  assert.equal(level(kubelet, "GET", "/api/v1/pods"), "system");
  assert.equal(level(authed("system:admin", "system:masters"), "GET", "/api/v1/pods"), "exempt");
  assert.equal(level(authed("alice"), "GET", "/readyz"), "exempt");
  assert.equal(level(authed("alice"), "POST", "/api/v1/namespaces/a/configmaps"), "global-default");
  assert.equal(level(sa("a", "app"), "GET", "/api/v1/namespaces/a/pods"), "workload-low");
  assert.equal(
    level(sa("kube-system", "job-controller"), "GET", "/apis/batch/v1/jobs"),
    "workload-high",
  );
  assert.equal(
    level(
      sa("kube-system", "x"),
      "PUT",
      "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x",
    ),
    "leader-election",
  );
  assert.equal(level(authed("system:kube-scheduler"), "GET", "/api/v1/pods"), "workload-high");
  assert.equal(level({ name: "ghost", groups: [] }, "GET", "/api/v1/pods"), "catch-all");
});

Deno.test("FlowControl shares the server's concurrency among levels by their shares", () => {
  // 30 seats over 245 shares: global-default (20) gets 3, workload-low (100) 13, node-high (40) 5.
  assert.equal(fc.level("global-default")?.opts.seats, 3);
  assert.equal(fc.level("workload-low")?.opts.seats, 13);
  assert.equal(fc.level("node-high")?.opts.seats, 5);
  assert.equal(fc.level("exempt")?.opts.seats, Infinity);
  assert.equal(fc.level("catch-all")?.opts.queueLengthLimit, 0);
});

Deno.test("FlowControl.run() answers 429 TooManyRequests with Retry-After when a level is full", async () => {
  const flood = new FlowControl({
    maxRequestsInflight: 1,
    maxMutatingRequestsInflight: 0,
    priorityAndFairness: false,
  });
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  const user = authed("alice");
  const first = flood.run(ctx(user, "GET", "/api/v1/pods"), async () => {
    await held;
    return new Response("ok");
  });
  const refused = await flood.run(
    ctx(user, "GET", "/api/v1/pods"),
    () => Promise.resolve(new Response("ok")),
  );
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "1");
  const status = await refused.json();
  assert.equal(status.reason, "TooManyRequests");
  assert.equal(status.message, "Too many requests, please try again later.");
  // A watch is long-running and not counted; system:masters is exempt from max-in-flight.
  const watch = await flood.run(
    ctx(user, "GET", "/api/v1/pods?watch=1"),
    () => Promise.resolve(new Response("w")),
  );
  assert.equal(watch.status, 200);
  const admin = await flood.run(
    ctx(authed("admin", "system:masters"), "GET", "/api/v1/pods"),
    () => Promise.resolve(new Response("a")),
  );
  assert.equal(admin.status, 200);
  release();
  assert.equal((await first).status, 200);
});
