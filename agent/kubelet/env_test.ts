import assert from "node:assert/strict";
import {
  ContainerConfigError,
  type EnvSources,
  expandVars,
  resolveEnv,
  serviceLinkEnv,
} from "./env.ts";
import { testPod } from "./testing.ts";

const sources: EnvSources = {
  configMap: (_ns, name) =>
    Promise.resolve(name === "cfg" ? { color: "blue", size: "L" } : undefined),
  secret: (_ns, name) => Promise.resolve(name === "sec" ? { password: "s3cret" } : undefined),
  serviceEnv: () => Promise.resolve({ KUBERNETES_SERVICE_HOST: "10.43.0.1" }),
  allocatable: { milliCpu: 2000, memory: 4 * 1024 ** 3, ephemeralStorage: 10 * 1024 ** 3 },
};
const ips = { podIps: ["10.42.0.9"], hostIps: ["192.168.1.2"] };

Deno.test("expandVars() replaces defined $(VAR)s, keeps unknown ones and unescapes $$", () => {
  const vars = { A: "x", B: "y" };
  assert.equal(expandVars("$(A)-$(B)-$(C)", vars), "x-y-$(C)");
  assert.equal(expandVars("$$(A) $5 $(", vars), "$(A) $5 $(");
});

Deno.test("resolveEnv() builds the environment in upstream's order and from every source", async () => {
  const pod = testPod({
    containers: [{
      name: "c",
      resources: { limits: { memory: "64Mi" }, requests: { cpu: "250m" } },
      envFrom: [{ configMapRef: { name: "cfg" }, prefix: "CFG_" }],
      env: [
        { name: "PLAIN", value: "v" },
        { name: "REF", value: "$(PLAIN)-$(CFG_COLOR)" },
        { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "sec", key: "password" } } },
        { name: "SIZE", valueFrom: { configMapKeyRef: { name: "cfg", key: "size" } } },
        { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        {
          name: "MEM",
          valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
        },
        { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
        {
          name: "CPU_REQ",
          valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } },
        },
      ],
    }],
  });
  const env = await resolveEnv(pod, pod.spec!.containers[0], sources, ips);
  assert.deepEqual(env, [
    { key: "KUBERNETES_SERVICE_HOST", value: "10.43.0.1" },
    { key: "CFG_color", value: "blue" },
    { key: "CFG_size", value: "L" },
    { key: "PLAIN", value: "v" },
    { key: "REF", value: "v-$(CFG_COLOR)" },
    { key: "PASSWORD", value: "s3cret" },
    { key: "SIZE", value: "L" },
    { key: "NAME", value: "p" },
    { key: "APP", value: "a" },
    { key: "IP", value: "10.42.0.9" },
    { key: "MEM", value: "64" },
    { key: "CPU", value: "2" },
    { key: "CPU_REQ", value: "250" },
  ]);
});

Deno.test("resolveEnv() fails with upstream's messages for missing sources, unless optional", async () => {
  const run = (env: unknown[]) => {
    const pod = testPod({ containers: [{ name: "c", env }] });
    return resolveEnv(pod, pod.spec!.containers[0], sources, ips);
  };
  await assert.rejects(
    run([{ name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k" } } }]),
    (e: Error) => e instanceof ContainerConfigError && e.message === 'configmap "nope" not found',
  );
  await assert.rejects(
    run([{ name: "X", valueFrom: { secretKeyRef: { name: "sec", key: "missing" } } }]),
    /couldn't find key missing in Secret ns\/sec/,
  );
  const optional = await run([{
    name: "X",
    valueFrom: { secretKeyRef: { name: "nope", key: "k", optional: true } },
  }]);
  assert.equal(optional.some((e) => e.key === "X"), false);
});

Deno.test("serviceLinkEnv() writes docker-link style variables for a service", () => {
  const env = serviceLinkEnv("my-svc", "10.43.0.20", [{ name: "http", port: 80 }]);
  assert.equal(env.MY_SVC_SERVICE_HOST, "10.43.0.20");
  assert.equal(env.MY_SVC_SERVICE_PORT, "80");
  assert.equal(env.MY_SVC_SERVICE_PORT_HTTP, "80");
  assert.equal(env.MY_SVC_PORT, "tcp://10.43.0.20:80");
  assert.equal(env.MY_SVC_PORT_80_TCP_ADDR, "10.43.0.20");
  assert.deepEqual(serviceLinkEnv("headless", "None", [{ port: 80 }]), {});
});
