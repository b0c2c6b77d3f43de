import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  status,
} from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { CRI_PROTO } from "./api_proto.ts";
import { CriError, isNotFound, RuntimeUnavailableError } from "./errors.ts";
import { GrpcCriClient } from "./grpc_client.ts";

type Handler = (request: Record<string, unknown>, deadline: number) => unknown;

/**
 * A CRI server in the test process: each RPC answers from `handlers` (a handler may throw
 * `{ code, details }` or return a never-settling promise), and records the deadline it saw.
 */
async function fakeRuntime(handlers: Record<string, Handler>) {
  const root = protobuf.parse(CRI_PROTO).root;
  root.resolveAll();
  const server = new Server();
  for (const serviceName of ["RuntimeService", "ImageService"]) {
    const service = root.lookupService(`runtime.v1.${serviceName}`);
    const definition: Record<string, ServiceDefinition[string]> = {};
    const implementation: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(service.methods)) {
      const requestType = method.resolvedRequestType!;
      const responseType = method.resolvedResponseType!;
      definition[name] = {
        path: `/runtime.v1.${serviceName}/${name}`,
        requestStream: false,
        responseStream: false,
        requestDeserialize: (bytes: Buffer) =>
          requestType.toObject(requestType.decode(bytes), { longs: Number, enums: String }),
        requestSerialize: () => Buffer.alloc(0),
        responseSerialize: (value: object) =>
          Buffer.from(responseType.encode(responseType.fromObject(value)).finish()),
        responseDeserialize: () => ({}),
      };
      implementation[name] = async (
        call: ServerUnaryCall<Record<string, unknown>, unknown>,
        callback: (error: unknown, value?: unknown) => void,
      ) => {
        const deadline = call.getDeadline();
        const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
        try {
          callback(null, await (handlers[name] ?? (() => ({})))(call.request, ms));
        } catch (error) {
          callback(error);
        }
      };
    }
    server.addService(definition, implementation as never);
  }
  const dir = await mkdtemp(join(tmpdir(), "k3s-fake-cri-"));
  const socket = join(dir, "cri.sock");
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(
      `unix://${socket}`,
      ServerCredentials.createInsecure(),
      (error) => error ? reject(error) : resolve(),
    )
  );
  return {
    socket,
    async close() {
      server.forceShutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function withClient(
  handlers: Record<string, Handler>,
  body: (client: GrpcCriClient) => Promise<void>,
  options: { timeoutMs?: number; pullTimeoutMs?: number } = {},
) {
  const runtime = await fakeRuntime(handlers);
  const client = new GrpcCriClient({ endpoint: runtime.socket, ...options });
  try {
    await body(client);
  } finally {
    client.close();
    await runtime.close();
  }
}

Deno.test("GrpcCriClient sends requests and fills proto3 defaults in responses", async () => {
  const seen: Record<string, unknown>[] = [];
  await withClient({
    CreateContainer: (request) => {
      seen.push(request);
      return { containerId: "c1" };
    },
    // A container that was just created: state 0 and exit code 0 are not on the wire.
    ContainerStatus: () => ({ status: { id: "c1", createdAt: 1795711064998468400 } }),
    ExecSync: () => ({ stdout: Buffer.from("out\n"), exitCode: 2 }),
  }, async (client) => {
    const id = await client.createContainer(
      "s1",
      {
        metadata: { name: "app" },
        image: { image: "busybox" },
        envs: [{ key: "A", value: "b" }],
        linux: { resources: { memoryLimitInBytes: 64 * 1024 * 1024 } },
      },
      { metadata: { name: "pod", uid: "u", namespace: "default" } },
    );
    assert.equal(id, "c1");
    assert.deepEqual(seen[0], {
      podSandboxId: "s1",
      config: {
        metadata: { name: "app" },
        image: { image: "busybox" },
        envs: [{ key: "A", value: "b" }],
        linux: { resources: { memoryLimitInBytes: 67108864 } },
      },
      sandboxConfig: { metadata: { name: "pod", uid: "u", namespace: "default" } },
    });
    const { status } = await client.containerStatus("c1");
    assert.equal(status?.state, "CONTAINER_CREATED");
    assert.equal(status?.exitCode, 0);
    assert.deepEqual(status?.mounts, []);
    assert.deepEqual(status?.labels, {});
    assert.equal(status?.metadata, undefined);
    assert.ok(Math.abs(status!.createdAt - 1795711064998468400) < 1000);
    const exec = await client.execSync("c1", ["true"]);
    assert.equal(new TextDecoder().decode(exec.stdout), "out\n");
    assert.equal(exec.stderr.length, 0);
    assert.equal(exec.exitCode, 2);
  });
});

Deno.test("GrpcCriClient turns gRPC errors into CriError with the status name", async () => {
  await withClient({
    ContainerStatus: () => {
      throw { code: status.NOT_FOUND, details: 'container "x" not found' };
    },
    StartContainer: () => {
      throw { code: status.UNAVAILABLE, details: "shim went away" };
    },
  }, async (client) => {
    await assert.rejects(client.containerStatus("x"), (error: CriError) => {
      assert.ok(error instanceof CriError);
      assert.ok(isNotFound(error));
      assert.equal(error.method, "ContainerStatus");
      assert.equal(error.message, 'Cannot ContainerStatus: container "x" not found (NOT_FOUND)');
      return true;
    });
    await assert.rejects(client.startContainer("x"), RuntimeUnavailableError);
  });
});

Deno.test("GrpcCriClient gives each call the kubelet's deadline", async () => {
  const deadlines: Record<string, number> = {};
  const record = (name: string): Handler => (_request, deadline) => {
    deadlines[name] = deadline - Date.now();
    return {};
  };
  await withClient({
    Version: record("Version"),
    StopContainer: record("StopContainer"),
    ExecSync: (request, deadline) => {
      deadlines[`ExecSync ${request.timeout ?? 0}`] = deadline - Date.now();
      return {};
    },
    PullImage: record("PullImage"),
  }, async (client) => {
    await client.version();
    await client.stopContainer("c", 30);
    await client.execSync("c", ["sleep", "1"], 0);
    await client.execSync("c", ["sleep", "1"], 5);
    await client.pullImage({ image: "busybox" });
    const near = (name: string, ms: number) =>
      assert.ok(Math.abs(deadlines[name] - ms) < 2_000, `${name}: ${deadlines[name]} ms`);
    near("Version", 10_000);
    near("StopContainer", 40_000);
    assert.equal(deadlines["ExecSync 0"], Infinity);
    near("ExecSync 5", 15_000);
    near("PullImage", 600_000);
  }, { timeoutMs: 10_000, pullTimeoutMs: 600_000 });
});

Deno.test("GrpcCriClient calls end at their deadline or when aborted", async () => {
  const never: Handler = () => new Promise(() => {});
  await withClient({ ListContainers: never, ListPodSandbox: never }, async (client) => {
    await assert.rejects(client.listContainers(undefined, { timeoutMs: 200 }), {
      code: "DEADLINE_EXCEEDED",
    });
    const controller = new AbortController();
    const listing = client.listPodSandbox(undefined, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(listing, { code: "CANCELLED" });
    await assert.rejects(client.listPodSandbox(undefined, { signal: controller.signal }), {
      code: "CANCELLED",
    });
  });
});

Deno.test("GrpcCriClient.watchEvents() rejects as UNIMPLEMENTED on a runtime without containerd's event service", async () => {
  await withClient({}, async (client) => {
    const stop = new AbortController();
    const outcome = await client.watchEvents(() => {}, stop.signal).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(outcome instanceof CriError);
    assert.equal(outcome.code, "UNIMPLEMENTED");
  });
});
