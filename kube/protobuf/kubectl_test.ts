import assert from "node:assert/strict";
import { decodeKubeProtobuf, encodeKubeProtobuf } from "./mod.ts";
import { BINARY_FILE, kubectlCases, runKubectl } from "./testdata/capture.ts";
import { startFakeApiServer } from "./testdata/fake_apiserver.ts";

const testdata = new URL("./testdata/", import.meta.url);
const CASES = kubectlCases("/unused");

function fixture(name: string): Uint8Array {
  return Deno.readFileSync(new URL(`${name}.pb`, testdata));
}

/** What kubectl printed for `--dry-run=client -o json`: Go's JSON for the body it sent. */
function goJSON(name: string): unknown {
  return JSON.parse(Deno.readTextFileSync(new URL(`${name}.json`, testdata)));
}

for (const c of CASES.filter((c) => c.dryRun)) {
  Deno.test(`decodeKubeProtobuf() turns kubectl's "${c.args.slice(0, 2).join(" ")}" body into Go's JSON`, () => {
    assert.deepEqual(decodeKubeProtobuf(fixture(c.name)), goJSON(c.name));
  });
}

Deno.test("decodeKubeProtobuf() reads kubectl's TokenRequest", () => {
  assert.deepEqual(decodeKubeProtobuf(fixture("token")), {
    kind: "TokenRequest",
    apiVersion: "authentication.k8s.io/v1",
    metadata: {},
    spec: { audiences: ["api"], expirationSeconds: 3600 },
    status: { token: "" },
  });
});

Deno.test("decodeKubeProtobuf() reads kubectl's SelfSubjectAccessReview", () => {
  assert.deepEqual(decodeKubeProtobuf(fixture("can_i")), {
    kind: "SelfSubjectAccessReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: {},
    spec: { resourceAttributes: { namespace: "kube-system", verb: "create", resource: "pods" } },
    status: { allowed: false },
  });
});

Deno.test("decodeKubeProtobuf() keeps a pointer field set to zero (Deployment replicas: 0)", () => {
  const d = decodeKubeProtobuf(fixture("deployment")) as { spec: { replicas?: number } };
  assert.equal(d.spec.replicas, 0);
});

Deno.test("decodeKubeProtobuf() gives binaryData as base64 of the raw bytes", () => {
  const cm = decodeKubeProtobuf(fixture("configmap")) as { binaryData: Record<string, string> };
  assert.equal(cm.binaryData["blob.bin"], btoa(String.fromCharCode(...BINARY_FILE)));
});

for (const c of CASES) {
  Deno.test(`encodeKubeProtobuf() re-encodes kubectl's ${c.name} body byte for byte`, () => {
    const bytes = fixture(c.name);
    assert.deepEqual(encodeKubeProtobuf(decodeKubeProtobuf(bytes)), bytes);
  });
}

/** The kubectl binaries on this machine, newest first. */
function kubectls(): string[] {
  const found: string[] = [];
  for (
    const path of ["/opt/k3s-deno-tools/kubectl-1.35", "/usr/bin/kubectl", "/usr/local/bin/kubectl"]
  ) {
    try {
      if (Deno.statSync(path).isFile) found.push(path);
    } catch {
      // not installed here
    }
  }
  return found;
}

for (const kubectl of kubectls()) {
  Deno.test(`real ${kubectl} sends protobuf bodies that decode like the fixtures`, async () => {
    const dir = await Deno.makeTempDir();
    const server = await startFakeApiServer();
    try {
      await Deno.writeFile(`${dir}/blob.bin`, BINARY_FILE);
      await server.writeKubeconfig(`${dir}/kubeconfig`);
      for (const c of kubectlCases(dir)) {
        server.requests.length = 0;
        const out = await runKubectl(kubectl, `${dir}/kubeconfig`, `${dir}/cache`, c.args);
        const req = server.requests.find((r) => r.path === c.path);
        assert.ok(req, `${c.name}: no request to ${c.path}`);
        assert.equal(req.contentType, "application/vnd.kubernetes.protobuf", c.name);
        assert.deepEqual(decodeKubeProtobuf(req.body), decodeKubeProtobuf(fixture(c.name)), c.name);
        // The fake server answered from the decoded body; kubectl must have understood it.
        if (c.name === "can_i") assert.equal(out.trim(), "yes");
        if (c.name === "token") assert.equal(out.trim(), "fake-token");
        if (c.name === "configmap") assert.match(out, /configmap\/app-config created/);
      }
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
