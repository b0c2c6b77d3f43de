import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeHealthStatus, encodeHealthRequest, grpcHealthCheck } from "./grpc_health.ts";

Deno.test("the gRPC health messages are encoded and decoded by hand", () => {
  assert.deepEqual([...encodeHealthRequest("")], []);
  assert.deepEqual([...encodeHealthRequest("ab")], [0x0a, 2, 0x61, 0x62]);
  assert.equal(decodeHealthStatus(Buffer.from([0x08, 1])), "SERVING");
  assert.equal(decodeHealthStatus(Buffer.from([0x08, 2])), "NOT_SERVING");
  assert.equal(decodeHealthStatus(Buffer.alloc(0)), "UNKNOWN");
});

Deno.test("grpcHealthCheck() fails with upstream's words when nothing listens", async () => {
  const r = await grpcHealthCheck("127.0.0.1", 1, "", 1);
  assert.equal(r.ok, false);
  assert.match(r.output, /^(error: health rpc probe failed|timeout: health rpc did not complete)/);
});
