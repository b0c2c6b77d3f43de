/**
 * Admission end to end: a real `k3s server` and the real kubectl (oldest and newest). The
 * service account token volume shows in `kubectl get pod -o yaml`, LimitRange defaults land,
 * a full quota refuses with upstream's message, a restricted namespace refuses a privileged pod
 * and a `warn` namespace prints kubectl's `Warning:`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type K3sServer, kubectlSteps, type ScopedKubectl, startServer } from "./harness.ts";

/** Waits until the service account controller has made the namespace's `default` account. */
async function defaultServiceAccount(k: ScopedKubectl, ns: string): Promise<void> {
  for (let i = 0; (await k.run(["-n", ns, "get", "serviceaccount", "default"])).code !== 0; i++) {
    if (i > 100) throw new Error(`Timed out waiting for ${ns}/default`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A namespace with its `default` service account. */
async function namespace(k: ScopedKubectl, name: string, labels: string[] = []): Promise<void> {
  await k.ok(["create", "namespace", name]);
  if (labels.length) await k.ok(["label", "namespace", name, ...labels]);
  await defaultServiceAccount(k, name);
}

/** A pod with one container `c`; `spec` and `container` are extra YAML lines, indented. */
function podYaml(name: string, opts: { spec?: string; container?: string } = {}): string {
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    ...(opts.spec ? [`  ${opts.spec}`] : []),
    "  containers:",
    "  - name: c",
    "    image: busybox",
    ...(opts.container ? [`    ${opts.container}`] : []),
    "",
  ].join("\n");
}

Deno.test("admission with the real kubectl", async (t) => {
  const server: K3sServer = await startServer();
  try {
    await kubectlSteps(t, server, "adm", async (k, t) => {
      await defaultServiceAccount(k, k.namespace);

      await t.step("the service account token volume shows in get -o yaml", async () => {
        await k.ok(["run", "sa", "--image=busybox", "--restart=Never"]);
        const yaml = await k.ok(["get", "pod", "sa", "-o", "yaml"]);
        assert.match(yaml, /serviceAccountName: default/);
        assert.match(
          yaml,
          /- mountPath: \/var\/run\/secrets\/kubernetes.io\/serviceaccount\n\s+name: kube-api-access-[a-z0-9]{5}\n\s+readOnly: true/,
        );
        assert.match(yaml, /expirationSeconds: 3607/);
        assert.match(yaml, /name: kube-root-ca.crt/);
        assert.match(yaml, /fieldPath: metadata.namespace/);
        assert.match(
          yaml,
          /key: node.kubernetes.io\/not-ready\n\s+operator: Exists\n\s+tolerationSeconds: 300/,
        );
        const missing = await k.run([
          "run",
          "nosa",
          "--image=busybox",
          "--overrides",
          JSON.stringify({
            spec: { serviceAccountName: "builder" },
          }),
        ]);
        assert.notEqual(missing.code, 0);
        assert.match(
          missing.stderr,
          /pods "nosa" is forbidden: error looking up service account [\w-]+\/builder: serviceaccount "builder" not found/,
        );
      });

      await t.step("LimitRange defaults are applied", async () => {
        await k.ok(["apply", "-f", "-"], {
          stdin: `apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
spec:
  limits:
  - type: Container
    default: {cpu: 300m, memory: 64Mi}
    defaultRequest: {cpu: 100m, memory: 32Mi}
`,
        });
        await k.ok(["apply", "-f", "-"], { stdin: podYaml("limited") });
        const resources = JSON.parse(
          await k.ok(["get", "pod", "limited", "-o", "jsonpath={.spec.containers[0].resources}"]),
        );
        assert.deepEqual(resources, {
          limits: { cpu: "300m", memory: "64Mi" },
          requests: { cpu: "100m", memory: "32Mi" },
        });
        const note = await k.ok([
          "get",
          "pod",
          "limited",
          "-o",
          "jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}",
        ]);
        assert.equal(
          note,
          "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c",
        );
      });

      await t.step("a full quota refuses with upstream's message", async () => {
        const ns = `${k.namespace}-quota`;
        await namespace(k, ns);
        await k.ok(["-n", ns, "create", "quota", "small", "--hard=pods=1,count/configmaps=2"]);
        await k.ok(["-n", ns, "run", "one", "--image=busybox", "--restart=Never"]);
        const two = await k.run(["-n", ns, "run", "two", "--image=busybox", "--restart=Never"]);
        assert.notEqual(two.code, 0);
        assert.match(
          two.stderr,
          /Error from server \(Forbidden\): pods "two" is forbidden: exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1/,
        );
        const described = await k.ok(["-n", ns, "describe", "quota", "small"]);
        assert.match(described, /pods\s+1\s+1/);
      });

      await t.step("a restricted namespace refuses a privileged pod", async () => {
        const ns = `${k.namespace}-restricted`;
        await namespace(k, ns, ["pod-security.kubernetes.io/enforce=restricted"]);
        const r = await k.run(["-n", ns, "apply", "-f", "-"], {
          stdin: podYaml("priv", { container: "securityContext: {privileged: true}" }),
        });
        assert.notEqual(r.code, 0);
        assert.ok(
          r.stderr.includes(
            'pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
          ),
          r.stderr,
        );
        assert.equal((await k.run(["-n", ns, "get", "pod", "priv"])).code, 1);
      });

      await t.step("a warn namespace prints a warning and admits the pod", async () => {
        const ns = `${k.namespace}-warn`;
        await namespace(k, ns, ["pod-security.kubernetes.io/warn=baseline"]);
        const r = await k.run(["-n", ns, "apply", "-f", "-"], {
          stdin: podYaml("host", { spec: "hostNetwork: true" }),
        });
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stderr,
          /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/,
        );
        assert.match(r.stdout, /pod\/host created/);
      });
    });
  } finally {
    await server.close();
  }
});
