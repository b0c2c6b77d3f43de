/**
 * The kubectl commands whose request bodies are kept as fixtures, and a script that runs them
 * against the fake API server and writes each protobuf body to `testdata/<name>.pb`. Where the
 * command has a client-side dry run, it also writes what kubectl prints for
 * `--dry-run=client -o json` to `testdata/<name>.json`: Go's own JSON for the object it sends,
 * which the decoded body must equal.
 *
 * ```sh
 * deno run -A kube/protobuf/testdata/capture.ts [/path/to/kubectl]
 * ```
 *
 * @module
 */

import { startFakeApiServer } from "./fake_apiserver.ts";

/** One kubectl invocation that sends a protobuf body. */
export interface KubectlCase {
  name: string;
  args: string[];
  /** The request path the body goes to. */
  path: string;
  /** Whether `--dry-run=client -o json` prints the object the command sends. */
  dryRun: boolean;
}

/** The file `create configmap --from-file` reads; not valid UTF-8, so it lands in binaryData. */
export const BINARY_FILE = new Uint8Array([0x00, 0xff, 0xfe, 0x10, 0x80]);

/** The cases, given a folder holding `blob.bin` (`BINARY_FILE`). */
export function kubectlCases(dir: string): KubectlCase[] {
  const ns = "/api/v1/namespaces/default";
  const c = (name: string, path: string, dryRun: boolean, ...args: string[]): KubectlCase => ({
    name,
    args,
    path,
    dryRun,
  });
  return [
    c(
      "configmap",
      `${ns}/configmaps`,
      true,
      ...["create", "configmap", "app-config", "--from-literal=greeting=hello"],
      ...["--from-literal=empty=", `--from-file=blob.bin=${dir}/blob.bin`],
    ),
    c(
      "secret",
      `${ns}/secrets`,
      true,
      "create",
      "secret",
      "generic",
      "creds",
      "--from-literal=password=s3cr3t",
    ),
    c(
      "deployment",
      "/apis/apps/v1/namespaces/default/deployments",
      true,
      ...["create", "deployment", "web", "--image=nginx:1.27", "--replicas=0", "--port=80"],
    ),
    c(
      "service",
      `${ns}/services`,
      true,
      "create",
      "service",
      "nodeport",
      "web",
      "--tcp=80:8080",
      "--tcp=443:https",
    ),
    c(
      "token",
      `${ns}/serviceaccounts/default/token`,
      false,
      ...["create", "token", "default", "--audience=api", "--duration=1h"],
    ),
    c(
      "can_i",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      false,
      ...["auth", "can-i", "create", "pods", "-n", "kube-system"],
    ),
    c(
      "job_from_cronjob",
      "/apis/batch/v1/namespaces/default/jobs",
      true,
      ...["create", "job", "manual-1", "--from=cronjob/rich"],
    ),
    c("cronjob", "/apis/batch/v1/namespaces/default/cronjobs", true, ...[
      "create",
      "cronjob",
      "nightly",
      "--image=busybox",
      "--schedule=0 3 * * *",
      "--",
      "sh",
      "-c",
      "date",
    ]),
    c("ingress", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", true, ...[
      "create",
      "ingress",
      "web",
      "--class=traefik",
      "--rule=foo.com/bar*=svc1:8080,tls=my-cert",
      "--rule=bar.com/=svc2:http",
      "--annotation=a=b",
    ]),
    c("clusterrole", "/apis/rbac.authorization.k8s.io/v1/clusterroles", true, ...[
      "create",
      "clusterrole",
      "reader",
      "--verb=get,list,watch",
      "--resource=pods,deployments.apps",
      "--resource-name=web",
    ]),
    c(
      "rolebinding",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
      true,
      ...[
        "create",
        "rolebinding",
        "rb",
        "--clusterrole=view",
        "--user=alice",
        "--group=devs",
        "--serviceaccount=default:web",
      ],
    ),
    c(
      "pdb",
      "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
      true,
      ...["create", "pdb", "web", "--selector=app=web", "--min-available=50%"],
    ),
    c("priorityclass", "/apis/scheduling.k8s.io/v1/priorityclasses", true, ...[
      "create",
      "priorityclass",
      "high",
      "--value=1000",
      "--description=high priority",
      "--preemption-policy=Never",
    ]),
    c(
      "quota",
      `${ns}/resourcequotas`,
      true,
      ...["create", "quota", "q", "--hard=cpu=1,memory=1G,pods=2", "--scopes=BestEffort"],
    ),
  ];
}

/** Runs `kubectl args` with `kubeconfig`; returns stdout, or throws with stderr. */
export async function runKubectl(
  kubectl: string,
  kubeconfig: string,
  cacheDir: string,
  args: string[],
): Promise<string> {
  const out = await new Deno.Command(kubectl, {
    args: [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!out.success) throw new Error(`kubectl ${args.join(" ")}: ${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

if (import.meta.main) {
  const kubectl = Deno.args[0] ?? "/opt/k3s-deno-tools/kubectl-1.35";
  const dir = await Deno.makeTempDir();
  const server = await startFakeApiServer();
  try {
    await Deno.writeFile(`${dir}/blob.bin`, BINARY_FILE);
    await server.writeKubeconfig(`${dir}/kubeconfig`);
    for (const c of kubectlCases(dir)) {
      server.requests.length = 0;
      await runKubectl(kubectl, `${dir}/kubeconfig`, `${dir}/cache`, c.args);
      const req = server.requests.find((r) => r.path === c.path);
      if (!req) throw new Error(`${c.name}: kubectl sent nothing to ${c.path}`);
      if (!req.contentType.startsWith("application/vnd.kubernetes.protobuf")) {
        throw new Error(`${c.name}: kubectl sent ${req.contentType}, not protobuf`);
      }
      const out = new URL(`./${c.name}.pb`, import.meta.url);
      await Deno.writeFile(out, req.body);
      console.log(`${c.name}: ${req.body.length} bytes → ${out.pathname}`);
      if (c.dryRun) {
        const args = [...c.args];
        const dash = args.indexOf("--");
        args.splice(dash < 0 ? args.length : dash, 0, "--dry-run=client", "-o", "json");
        const json = await runKubectl(kubectl, `${dir}/kubeconfig`, `${dir}/cache`, args);
        const pretty = JSON.stringify(JSON.parse(json), null, 2) + "\n";
        await Deno.writeTextFile(new URL(`./${c.name}.json`, import.meta.url), pretty);
      }
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}
