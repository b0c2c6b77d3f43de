/**
 * RBAC end to end: a real `k3s server` and the real kubectl (oldest and newest on the machine).
 * A user `alice` (a client certificate from the server's client CA) gets a Role allowing
 * `get pods` in namespace `a`; what she may and may not do, `kubectl auth can-i` (as herself and
 * impersonated by the admin), `--list`, escalation prevention, aggregation into `view`, the
 * bootstrap roles, and reconciliation at restart respecting `autoupdate: "false"`.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type CommandResult,
  oldestAndNewestKubectl,
  startServer,
  userKubeconfig,
} from "./harness.ts";

const KUBECTLS = oldestAndNewestKubectl();

function assertForbidden(r: CommandResult, message: string): void {
  assert.notEqual(r.code, 0, `expected a failure, got:\n${r.stdout}`);
  // `kubectl create rolebinding` words it "error: failed to create rolebinding: ...".
  assert.match(
    r.stderr,
    /Error from server \(Forbidden\)|error: failed to create \w+: .* is forbidden/,
  );
  assert.ok(r.stderr.includes(message), `expected ${JSON.stringify(message)} in:\n${r.stderr}`);
}

/** Polls `fn` until it returns true, for at most `ms`. */
async function eventually(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("RBAC with the real kubectl", async (t) => {
  const server = await startServer();
  try {
    // Setup uses the oldest kubectl; the escalation step writes with the newest (protobuf bodies).
    const oldest = KUBECTLS[0].path;
    const newest = KUBECTLS[KUBECTLS.length - 1].path;
    const admin = (args: string[], binary = oldest) => server.kubectlOk(args, { binary });
    await admin(["create", "namespace", "a"]);
    await admin(["create", "namespace", "b"]);
    await admin(["create", "role", "pod-reader", "--verb=get", "--resource=pods", "-n", "a"]);
    await admin([
      "create",
      "rolebinding",
      "alice-reads",
      "--role=pod-reader",
      "--user=alice",
      "-n",
      "a",
    ]);
    const alice = await userKubeconfig(server, "alice", ["dev"]);
    const asAlice = (args: string[], binary = oldest) =>
      server.kubectl(args, { binary, env: { KUBECONFIG: alice } });
    const asAliceWith = (binary: string, args: string[]) => asAlice(args, binary);

    for (const { version, path: bin } of KUBECTLS) {
      await t.step(`kubectl ${version}: alice may get pods in a (404 is authorized)`, async () => {
        const r = await asAlice(["get", "pod", "x", "-n", "a"], bin);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /Error from server \(NotFound\): pods "x" not found/);
      });

      await t.step(
        `kubectl ${version}: alice is forbidden elsewhere, with upstream's message`,
        async () => {
          assertForbidden(
            await asAlice(["get", "pods", "-n", "b"], bin),
            'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "b"',
          );
          assertForbidden(
            await asAlice(["delete", "pod", "x", "-n", "a"], bin),
            'pods "x" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "a"',
          );
          assertForbidden(
            await asAlice(["get", "namespaces"], bin),
            'namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope',
          );
        },
      );

      await t.step(`kubectl ${version}: alice may not impersonate`, async () => {
        assertForbidden(
          await asAlice(["get", "pods", "-n", "a", "--as", "bob"], bin),
          'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
        );
      });

      await t.step({
        name: `kubectl ${version}: auth can-i agrees, as alice and impersonated`,
        fn: async () => {
          const cases: [string[], boolean][] = [
            [["get", "pods", "-n", "a"], true],
            [["get", "pods/x", "-n", "a"], true],
            [["list", "pods", "-n", "b"], false],
            [["delete", "pods", "-n", "a"], false],
            [["create", "selfsubjectaccessreviews.authorization.k8s.io"], true],
          ];
          for (const [args, allowed] of cases) {
            for (
              const run of [
                () => asAlice(["auth", "can-i", ...args], bin),
                () => server.kubectl(["auth", "can-i", ...args, "--as", "alice"], { binary: bin }),
              ]
            ) {
              const r = await run();
              assert.equal(
                r.stdout.trim(),
                allowed ? "yes" : "no",
                `${args.join(" ")}: ${r.stderr}`,
              );
              assert.equal(r.code, allowed ? 0 : 1);
            }
          }
          const admin = await server.kubectl(["auth", "can-i", "*", "*"], { binary: bin });
          assert.equal(admin.stdout.trim(), "yes");
        },
      });

      await t.step({
        name: `kubectl ${version}: auth can-i --list shows alice's rules`,
        fn: async () => {
          const out = await server.kubectlOk(
            ["auth", "can-i", "--list", "--as", "alice", "-n", "a"],
            { binary: bin },
          );
          assert.match(out, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
          assert.match(out, /\npods\s+\[\]\s+\[\]\s+\[get\]\n/);
          assert.match(
            out,
            /selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/,
          );
          assert.match(out, /\s+\[\/api\/\*\]\s+\[\]\s+\[get\]/);
          const elsewhere = await server.kubectlOk(
            ["auth", "can-i", "--list", "--as", "alice", "-n", "b"],
            { binary: bin },
          );
          assert.doesNotMatch(elsewhere, /\npods\s/);
        },
      });
    }

    await t.step(
      "escalation: alice writes only roles and bindings within her own rights",
      async () => {
        await admin([
          "create",
          "role",
          "rbac-writer",
          "--verb=create,update",
          "--resource=roles,rolebindings",
          "-n",
          "a",
        ]);
        await admin([
          "create",
          "rolebinding",
          "alice-writes",
          "--role=rbac-writer",
          "--user=alice",
          "-n",
          "a",
        ]);
        await eventually(async () =>
          (await asAlice(["auth", "can-i", "create", "roles", "-n", "a"]))
            .code === 0
        );

        const ok = await asAliceWith(newest, [
          "create",
          "role",
          "also-reader",
          "--verb=get",
          "--resource=pods",
          "-n",
          "a",
        ]);
        assert.equal(ok.code, 0, ok.stderr);
        assertForbidden(
          await asAliceWith(newest, [
            "create",
            "role",
            "deleter",
            "--verb=get,delete",
            "--resource=pods",
            "-n",
            "a",
          ]),
          'roles.rbac.authorization.k8s.io "deleter" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
        );
        assertForbidden(
          await asAliceWith(newest, [
            "create",
            "rolebinding",
            "alice-edits",
            "--clusterrole=edit",
            "--user=alice",
            "-n",
            "a",
          ]),
          'rolebindings.rbac.authorization.k8s.io "alice-edits" is forbidden: user "alice"',
        );
        // Holding a role's rules is enough to bind it; `bind` on the role is too.
        const bindReader = await asAliceWith(newest, [
          "create",
          "rolebinding",
          "bob-reads",
          "--role=pod-reader",
          "--user=bob",
          "-n",
          "a",
        ]);
        assert.equal(bindReader.code, 0, bindReader.stderr);
        await admin([
          "create",
          "role",
          "edit-binder",
          "--verb=bind",
          "--resource=clusterroles",
          "--resource-name=edit",
          "-n",
          "a",
        ]);
        await admin([
          "create",
          "rolebinding",
          "alice-binds-edit",
          "--role=edit-binder",
          "--user=alice",
          "-n",
          "a",
        ]);
        await eventually(async () =>
          (await asAliceWith(newest, [
            "create",
            "rolebinding",
            "bob-edits",
            "--clusterrole=edit",
            "--user=bob",
            "-n",
            "a",
          ])).code === 0
        );
      },
    );

    await t.step("bindings print ROLE and, wide, their subjects", async () => {
      const out = await admin(["get", "rolebindings", "-n", "a", "-o", "wide"]);
      assert.match(out, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\n/);
      assert.match(out, /\nalice-reads\s+Role\/pod-reader\s+\S+\s+alice\s*\n/);
    });

    await t.step("a role labelled aggregate-to-view shows up in view, edit and admin", async () => {
      await server.kubectlOk(["apply", "-f", "-"], {
        stdin: JSON.stringify({
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRole",
          metadata: {
            name: "widget-viewer",
            labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" },
          },
          rules: [{ apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get", "list"] }],
        }),
      });
      for (const role of ["view", "edit", "admin"]) {
        await eventually(async () => {
          const json = JSON.parse(await admin(["get", "clusterrole", role, "-o", "json"]));
          return (json.rules ?? []).some((r: { resources?: string[] }) =>
            r.resources?.includes("widgets")
          );
        });
      }
    });

    await t.step("kubectl get clusterroles lists the bootstrap roles", async () => {
      const out = await admin(["get", "clusterroles"]);
      assert.match(out, /^NAME\s+CREATED AT\n/);
      for (
        const name of [
          "cluster-admin",
          "admin",
          "edit",
          "view",
          "system:basic-user",
          "system:discovery",
          "system:public-info-viewer",
          "system:node",
          "system:node-proxier",
          "system:kube-scheduler",
          "system:controller:deployment-controller",
          "system:k3s-controller",
          "k3s-cloud-controller-manager",
        ]
      ) assert.match(out, new RegExp(`\\n${name}\\s+\\d{4}-\\d\\d-\\d\\dT`), name);
    });

    await t.step("restart reconciles the policy but leaves autoupdate=false alone", async () => {
      const empty = JSON.stringify([{ op: "replace", path: "/rules", value: [] }]);
      await admin(["patch", "clusterrole", "system:heapster", "--type=json", "-p", empty]);
      await admin([
        "annotate",
        "clusterrole",
        "system:heapster",
        "rbac.authorization.kubernetes.io/autoupdate=false",
        "--overwrite",
      ]);
      await admin(["patch", "clusterrole", "system:kube-dns", "--type=json", "-p", empty]);
      await admin(["delete", "clusterrolebinding", "system:discovery"]);
      await server.restart();
      const rules = async (name: string) =>
        JSON.parse(await admin(["get", "clusterrole", name, "-o", "json"])).rules ?? [];
      assert.deepEqual(await rules("system:heapster"), []);
      assert.deepEqual(await rules("system:kube-dns"), [
        { apiGroups: [""], resources: ["endpoints"], verbs: ["list"] },
        { apiGroups: [""], resources: ["endpoints"], verbs: ["watch"] },
        { apiGroups: [""], resources: ["services"], verbs: ["list"] },
        { apiGroups: [""], resources: ["services"], verbs: ["watch"] },
      ]);
      const discovery = JSON.parse(
        await admin(["get", "clusterrolebinding", "system:discovery", "-o", "json"]),
      );
      assert.deepEqual(discovery.subjects, [
        { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
      ]);
      // Alice's access survived the restart (the index reloads from storage).
      const r = await asAlice(["get", "pod", "x", "-n", "a"]);
      assert.match(r.stderr, /NotFound/);
    });
  } finally {
    await server.close();
  }
});
