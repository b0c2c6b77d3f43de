/**
 * `kube/client` against a real `k3s server`: CRUD with typed errors, an informer that sees every
 * change exactly once while writes race it, a relist after a real 410 Gone, a watch-list
 * (`sendInitialEvents`) informer, Lease leader election between two candidates, and the
 * controller manager holding the `kube-controller-manager` Lease with its own identity.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { StatusError } from "../kube/errors.ts";
import {
  CONFIGMAPS,
  Http2Transport,
  InformerFactory,
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeClient,
  type KubeClient as Client,
  type KubeObject,
  LeaderElector,
  LeaseLock,
  LEASES,
  type ListerWatcher,
  listWatch,
  NAMESPACES,
  SharedInformer,
} from "../kube/client/mod.ts";
import { ControllerManager } from "../server/controllers/framework/mod.ts";
import { startServer } from "./harness.ts";

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!await cond()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every handler call as `verb name rv`. */
function recorder(inf: SharedInformer<KubeObject>) {
  const seen: string[] = [];
  inf.addEventHandler({
    add: (o) => seen.push(`add ${o.metadata.name} ${o.metadata.resourceVersion}`),
    update: (_o, n) => seen.push(`update ${n.metadata.name} ${n.metadata.resourceVersion}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  return seen;
}

/** Controllers of the server may add their own ConfigMaps (`kube-root-ca.crt`): ours carry this. */
const MINE = { "test.k3s.io/owner": "kube-client" };
const SELECT_MINE = "test.k3s.io/owner=kube-client";

function configMap(name: string, ns: string, data: Record<string, string> = {}): KubeObject {
  return { metadata: { name, namespace: ns, labels: MINE }, data };
}

Deno.test("kube/client against a real server", async (t) => {
  const server = await startServer();
  const client = await KubeClient.fromKubeconfig(server.kubeconfig);
  const ac = new AbortController();
  try {
    await t.step("CRUD round-trips and failures are StatusErrors", async () => {
      await client.create(NAMESPACES, { metadata: { name: "crud" } });
      const cm = await client.create(CONFIGMAPS, configMap("a", "crud", { k: "1" }));
      assert.ok(cm.metadata.uid && cm.metadata.resourceVersion);
      await assert.rejects(client.create(CONFIGMAPS, configMap("a", "crud")), isAlreadyExists);
      const got = await client.get(CONFIGMAPS, "a", { namespace: "crud" });
      assert.deepEqual(got.data, { k: "1" });
      const updated = await client.update(CONFIGMAPS, { ...got, data: { k: "2" } });
      await assert.rejects(client.update(CONFIGMAPS, { ...got, data: { k: "3" } }), (e) => {
        assert.ok(e instanceof StatusError && isConflict(e));
        assert.match(e.message, /the object has been modified/);
        return true;
      });
      const patched = await client.patch(CONFIGMAPS, "a", { data: { j: "x" } }, "merge", {
        namespace: "crud",
      });
      assert.deepEqual(patched.data, { k: "2", j: "x" });
      assert.notEqual(patched.metadata.resourceVersion, updated.metadata.resourceVersion);
      await client.create(CONFIGMAPS, {
        ...configMap("b", "crud"),
        metadata: { name: "b", namespace: "crud", labels: { ...MINE, x: "y" } },
      });
      const selected = await client.list(CONFIGMAPS, { namespace: "crud", labelSelector: "x=y" });
      assert.deepEqual(selected.items.map((i) => i.metadata.name), ["b"]);
      const paged = await client.listAll(CONFIGMAPS, {
        namespace: "crud",
        pageSize: 1,
        labelSelector: SELECT_MINE,
      });
      assert.deepEqual(paged.items.map((i) => i.metadata.name).sort(), ["a", "b"], "every page");
      await client.delete(CONFIGMAPS, "a", { namespace: "crud" });
      await assert.rejects(client.get(CONFIGMAPS, "a", { namespace: "crud" }), (e) => {
        assert.ok(isNotFound(e));
        assert.equal((e as StatusError).message, 'configmaps "a" not found');
        return true;
      });
      await client.deleteCollection(CONFIGMAPS, { namespace: "crud", labelSelector: "x=y" });
      await until("b deleted", async () => {
        try {
          await client.get(CONFIGMAPS, "b", { namespace: "crud" });
          return false;
        } catch (e) {
          return isNotFound(e);
        }
      });
    });

    await t.step(
      "the HTTP/2 transport serves requests and watches whichever protocol the server speaks",
      async () => {
        const h2 = new KubeClient(client.config, new Http2Transport(client.config));
        try {
          const list = await h2.list(NAMESPACES);
          assert.ok(list.items.some((n) => n.metadata.name === "crud"));
          const ac2 = new AbortController();
          const events = h2.watch(NAMESPACES, { signal: ac2.signal });
          await client.create(NAMESPACES, { metadata: { name: "h2-seen" } });
          for await (const ev of events) {
            if (ev.object.metadata.name === "h2-seen") break;
          }
          ac2.abort();
        } finally {
          h2.close();
        }
      },
    );

    await t.step("an informer sees every change exactly once under concurrent writes", async () => {
      const ns = "inf";
      await client.create(NAMESPACES, { metadata: { name: ns } });
      await client.create(CONFIGMAPS, configMap("pre", ns));
      const factory = new InformerFactory(client);
      const inf = factory.informer(CONFIGMAPS, { namespace: ns, labelSelector: SELECT_MINE });
      const seen = recorder(inf);
      factory.start(ac.signal);
      assert.equal(await factory.waitForSync(ac.signal), true);
      const N = 60;
      const expected: string[] = [];
      await Promise.all(Array.from({ length: N }, async (_, i) => {
        const c = await client.create(CONFIGMAPS, configMap(`c${i}`, ns));
        expected.push(`add c${i} ${c.metadata.resourceVersion}`);
        const u = await client.patch(CONFIGMAPS, `c${i}`, { data: { v: "1" } }, "merge", {
          namespace: ns,
        });
        expected.push(`update c${i} ${u.metadata.resourceVersion}`);
        if (i % 3 === 0) {
          await client.delete(CONFIGMAPS, `c${i}`, { namespace: ns });
          expected.push(`delete c${i}`);
        }
      }));
      await until("every change", () => seen.length >= expected.length + 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(seen[0].startsWith("add pre "), true);
      assert.deepEqual(seen.slice(1).sort(), expected.sort(), "each change once, nothing else");
      for (let i = 0; i < N; i++) {
        const mine = seen.filter((s) => s.split(" ")[1] === `c${i}`).map((s) => s.split(" ")[0]);
        assert.deepEqual(mine, i % 3 === 0 ? ["add", "update", "delete"] : ["add", "update"]);
      }
      assert.equal(inf.store.size, 1 + N - Math.ceil(N / 3));
      assert.equal(inf.listCount, 1);
    });

    await t.step("a watch-list informer syncs from initial events", async () => {
      const ns = "wl";
      await client.create(NAMESPACES, { metadata: { name: ns } });
      for (let i = 0; i < 5; i++) await client.create(CONFIGMAPS, configMap(`w${i}`, ns));
      const factory = new InformerFactory(client, { useWatchList: true });
      const inf = factory.informer(CONFIGMAPS, { namespace: ns, labelSelector: SELECT_MINE });
      const seen = recorder(inf);
      factory.start(ac.signal);
      assert.equal(await factory.waitForSync(ac.signal), true);
      assert.equal(inf.store.size, 5);
      await client.delete(CONFIGMAPS, "w0", { namespace: ns });
      await until("the delete", () => seen.includes("delete w0"));
      assert.equal(seen.filter((s) => s.startsWith("add ")).length, 5);
    });

    await t.step("an informer and the client carry on across a server restart", async () => {
      const ns = "restart";
      await client.create(NAMESPACES, { metadata: { name: ns } });
      await client.create(CONFIGMAPS, configMap("before", ns));
      const inf = new SharedInformer({
        name: "restart",
        listerWatcher: listWatch(client, CONFIGMAPS, { namespace: ns, labelSelector: SELECT_MINE }),
      });
      const seen = recorder(inf);
      const local = new AbortController();
      inf.run(local.signal);
      await inf.waitForSync();
      await server.restart();
      // The same client reconnects on its next request; the informer re-watches by itself.
      await until("the client reconnects", async () => {
        try {
          await client.create(CONFIGMAPS, configMap("after", ns));
          return true;
        } catch {
          return false;
        }
      });
      await until(
        "the informer sees the new object",
        () => seen.some((x) => x.startsWith("add after ")),
      );
      assert.deepEqual(
        seen.filter((x) => x.startsWith("add ")).map((x) => x.split(" ")[1]),
        ["before", "after"],
      );
      local.abort();
    });

    await t.step(
      "a watch from a resourceVersion before the restart gets 410 and the reflector relists",
      async () => {
        const ns = "gone";
        await client.create(NAMESPACES, { metadata: { name: ns } });
        await client.create(CONFIGMAPS, configMap("x", ns));
        // The first list reports a resourceVersion from before the restart, older than the
        // server's watch window (which starts where the restarted server did), so its watch is
        // refused with 410 Gone by the server itself.
        const real = listWatch(client, CONFIGMAPS, { namespace: ns, labelSelector: SELECT_MINE });
        let lists = 0;
        const watches: string[] = [];
        const lw: ListerWatcher<KubeObject> = {
          async list(o) {
            const page = await real.list(o);
            return ++lists === 1
              ? { ...page, metadata: { ...page.metadata, resourceVersion: "1" } }
              : page;
          },
          watch(o) {
            watches.push(o.resourceVersion ?? "");
            return real.watch(o);
          },
        };
        const inf = new SharedInformer({ name: "gone", listerWatcher: lw });
        const seen = recorder(inf);
        const local = new AbortController();
        inf.run(local.signal);
        await inf.waitForSync();
        await until("the relist", () => lists === 2 && watches.length >= 2);
        await client.create(CONFIGMAPS, configMap("y", ns));
        await until("y", () => seen.some((s) => s.startsWith("add y ")));
        assert.equal(watches[0], "1");
        assert.notEqual(watches[1], "1");
        assert.equal(inf.listCount, 2);
        assert.deepEqual(seen.map((s) => s.split(" ").slice(0, 2).join(" ")), ["add x", "add y"]);
        local.abort();
      },
    );

    await t.step("two candidates: one leads, the other takes over when it stops", async () => {
      const elector = (id: string, c: Client) => {
        const state = { leading: false };
        const e = new LeaderElector({
          lock: new LeaseLock(c, "default", "test-election"),
          identity: id,
          leaseDurationMs: 3_000,
          renewDeadlineMs: 2_000,
          retryPeriodMs: 500,
          onStartedLeading: (signal) => {
            state.leading = true;
            signal.addEventListener("abort", () => (state.leading = false));
          },
        });
        const stop = new AbortController();
        const done = e.run(stop.signal);
        return { e, state, stop, done };
      };
      const a = elector("a", client);
      await until("a leads", () => a.state.leading);
      const b = elector("b", client);
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(b.state.leading, false);
      const lease = await client.get(LEASES, "test-election", { namespace: "default" });
      assert.equal(lease.spec?.holderIdentity, "a");
      a.stop.abort();
      await a.done;
      await until("b leads", () => b.state.leading, 10_000);
      const after = await client.get(LEASES, "test-election", { namespace: "default" });
      assert.equal(after.spec?.holderIdentity, "b");
      assert.equal(after.spec?.leaseTransitions, 1);
      b.stop.abort();
      await b.done;
    });

    await t.step(
      "a controller manager with its own identity leads or defers to the live leader",
      async () => {
        const tls = join(server.dataDir, "server", "tls");
        const read = (f: string) => Deno.readTextFile(join(tls, f));
        const cmClient = new KubeClient({
          server: client.config.server,
          caPem: await read("server-ca.crt"),
          certPem: await read("client-controller.crt"),
          keyPem: await read("client-controller.key"),
        });
        const manager = new ControllerManager({ client: cmClient, identity: "cm-test" });
        const stop = new AbortController();
        const running = manager.run(stop.signal);
        const holder = async () =>
          (await client.get(LEASES, "kube-controller-manager", { namespace: "kube-system" }).catch(
            () => undefined,
          ))?.spec;
        try {
          await until(
            "a controller-manager leader",
            async () => !!(await holder())?.holderIdentity,
          );
          const first = (await holder())!;
          if (first.holderIdentity === "cm-test") {
            await until("the manager leads", () => manager.isLeader());
          } else {
            // The server's own controller manager leads and keeps renewing: ours must wait.
            await new Promise((r) => setTimeout(r, 4_500));
            const later = (await holder())!;
            assert.equal(later.holderIdentity, first.holderIdentity);
            assert.notEqual(later.renewTime, first.renewTime, "the leader renews");
            assert.equal(manager.isLeader(), false);
          }
        } finally {
          stop.abort();
          await running;
          cmClient.close();
        }
      },
    );
  } finally {
    ac.abort();
    client.close();
    await server.close();
  }
});
