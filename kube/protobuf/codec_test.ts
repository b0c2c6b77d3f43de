import assert from "node:assert/strict";
import { StatusError } from "../errors.ts";
import { decodeKubeProtobuf, encodeKubeProtobuf, KUBE_PROTOBUF_MAGIC } from "./mod.ts";
import { OBJECTS, POD, SERVICE } from "./testdata/objects.ts";
import { WIRE_BYTES, WIRE_VARINT, Writer } from "./wire.ts";

for (const [name, obj] of Object.entries(OBJECTS)) {
  Deno.test(`encodeKubeProtobuf() then decodeKubeProtobuf() gives back ${name}`, () => {
    assert.deepEqual(decodeKubeProtobuf(encodeKubeProtobuf(obj)), obj);
  });
}

/** A body: the magic, then an Unknown with the given typeMeta and raw message. */
function envelope(apiVersion: string, kind: string, raw: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  w.raw(KUBE_PROTOBUF_MAGIC);
  w.tag(1, WIRE_BYTES);
  const tm = w.begin();
  w.tag(1, WIRE_BYTES);
  w.string(apiVersion);
  w.tag(2, WIRE_BYTES);
  w.string(kind);
  w.end(tm);
  w.tag(2, WIRE_BYTES);
  const body = w.begin();
  raw(w);
  w.end(body);
  return w.finish();
}

function rejects(bytes: Uint8Array, message: RegExp | string): void {
  assert.throws(
    () => decodeKubeProtobuf(bytes),
    (e) => {
      assert.ok(e instanceof StatusError, String(e));
      assert.equal(e.code, 400);
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

Deno.test("IntOrString targetPort decodes to a number or a string", () => {
  const svc = decodeKubeProtobuf(encodeKubeProtobuf(SERVICE)) as typeof SERVICE;
  assert.equal(svc.spec.ports[0].targetPort, 8080);
  assert.equal(svc.spec.ports[1].targetPort, "https");
});

Deno.test("an unknown kind is refused in upstream's words", () => {
  rejects(
    envelope("v1", "Foo", () => {}),
    'no kind "Foo" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
  );
  rejects(envelope("example.com/v1", "Widget", () => {}), /no kind "Widget" is registered/);
  // A real kind under the wrong group version is not registered either.
  rejects(
    envelope("apps/v1", "Pod", () => {}),
    /no kind "Pod" is registered for version "apps\/v1"/,
  );
});

Deno.test("DeleteOptions decode under any group version, Status under any apiVersion", () => {
  const opts = envelope("apps/v1", "DeleteOptions", (w) => {
    w.tag(4, WIRE_BYTES);
    w.string("Orphan");
  });
  assert.deepEqual(decodeKubeProtobuf(opts), {
    kind: "DeleteOptions",
    apiVersion: "apps/v1",
    propagationPolicy: "Orphan",
  });
  const status = envelope("batch/v1", "Status", (w) => {
    w.tag(6, WIRE_VARINT);
    w.varint(404);
  });
  assert.deepEqual(decodeKubeProtobuf(status), {
    kind: "Status",
    apiVersion: "batch/v1",
    code: 404,
  });
});

Deno.test("malformed bodies are a 400, never a crash", () => {
  const good = encodeKubeProtobuf(POD);
  rejects(new Uint8Array([1, 2, 3]), /does not start with the Kubernetes protobuf prefix/);
  rejects(new TextEncoder().encode('{"kind":"Pod"}'), /prefix/);
  rejects(KUBE_PROTOBUF_MAGIC, /Object 'Kind' is missing/);
  for (let cut = 5; cut < good.length; cut += 37) {
    assert.throws(() => decodeKubeProtobuf(good.subarray(0, cut)), StatusError, `cut at ${cut}`);
  }
  // metadata (field 1) sent as a varint instead of a message
  rejects(
    envelope("v1", "Pod", (w) => {
      w.tag(1, WIRE_VARINT);
      w.varint(1);
    }),
    /field core\.v1\.Pod\.metadata \(1\) has wire type 0/,
  );
  // a length running past the end of the message
  rejects(
    envelope("v1", "ConfigMap", (w) => {
      w.tag(1, WIRE_BYTES);
      w.varint(100);
    }),
    /runs past the end/,
  );
  rejects(envelope("v1", "Pod", (w) => w.raw(new Uint8Array([0x0b]))), /wire type 3/);
});

Deno.test("random bytes after the prefix never escape as anything but a 400", () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
  const good = encodeKubeProtobuf(POD);
  for (let i = 0; i < 500; i++) {
    const bytes = good.slice();
    for (let j = 0; j < 4; j++) bytes[4 + (rand() * 7) % (bytes.length - 4)] = rand();
    try {
      decodeKubeProtobuf(bytes);
    } catch (e) {
      assert.ok(e instanceof StatusError && e.code === 400, String(e));
    }
  }
});

Deno.test("deep nesting is refused instead of overflowing the stack", () => {
  // JSONSchemaProps.not (field 28 in apiextensions v1) nested 1000 times, built inside out.
  let inner: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 1000; i++) {
    const w = new Writer();
    w.tag(28, WIRE_BYTES);
    w.bytes(inner);
    inner = w.finish();
  }
  const body = envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", (w) => {
    // spec (2) → versions (7) → schema (4) → openAPIV3Schema (1) → not → not → …
    const wrap = (no: number, b: Uint8Array) => {
      const x = new Writer();
      x.tag(no, WIRE_BYTES);
      x.bytes(b);
      return x.finish();
    };
    w.raw(wrap(2, wrap(7, wrap(4, wrap(1, inner)))));
  });
  rejects(body, /nesting deeper than/);
});

Deno.test("unknown fields are skipped", () => {
  const body = envelope("v1", "ConfigMap", (w) => {
    w.tag(99, WIRE_VARINT);
    w.int64(-1);
    w.tag(1, WIRE_BYTES);
    const meta = w.begin();
    w.tag(1, WIRE_BYTES);
    w.string("cm");
    w.tag(77, WIRE_BYTES);
    w.string("from the future");
    w.tag(78, 1);
    w.double(1.5);
    w.tag(79, 5);
    w.float(1.5);
    w.end(meta);
  });
  assert.deepEqual(decodeKubeProtobuf(body), {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: { name: "cm" },
  });
});

Deno.test("packed repeated integers are read as well as unpacked ones", () => {
  // PodSecurityContext.supplementalGroups (4) is repeated int64; send it packed.
  const body = envelope("v1", "Pod", (w) => {
    w.tag(2, WIRE_BYTES);
    const spec = w.begin();
    w.tag(14, WIRE_BYTES);
    const sc = w.begin();
    w.tag(4, WIRE_BYTES);
    const packed = w.begin();
    w.int64(1000);
    w.int64(-1);
    w.end(packed);
    w.tag(4, WIRE_VARINT);
    w.int64(7);
    w.end(sc);
    w.end(spec);
  });
  const pod = decodeKubeProtobuf(body) as { spec: { securityContext: unknown } };
  assert.deepEqual(pod.spec.securityContext, { supplementalGroups: [1000, -1, 7] });
});

Deno.test("a RawExtension holding protobuf decodes as the embedded object", () => {
  const inner = encodeKubeProtobuf({
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: { name: "x" },
  });
  const body = envelope("v1", "List", (w) => {
    w.tag(1, WIRE_BYTES);
    w.varint(0);
    w.tag(2, WIRE_BYTES);
    const item = w.begin();
    w.tag(1, WIRE_BYTES);
    w.bytes(inner);
    w.end(item);
  });
  assert.deepEqual(decodeKubeProtobuf(body), {
    kind: "List",
    apiVersion: "v1",
    metadata: {},
    items: [{ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "x" } }],
  });
});

Deno.test("Time keeps whole seconds and MicroTime microseconds, as Go does", () => {
  const bytes = encodeKubeProtobuf({
    kind: "Lease",
    apiVersion: "coordination.k8s.io/v1",
    metadata: { creationTimestamp: "2026-11-26T15:20:16.999Z" },
    spec: { renewTime: "2026-11-26T16:20:16.1234567+01:00" },
  });
  const lease = decodeKubeProtobuf(bytes) as {
    metadata: { creationTimestamp: string };
    spec: { renewTime: string };
  };
  assert.equal(lease.metadata.creationTimestamp, "2026-11-26T15:20:16Z");
  assert.equal(lease.spec.renewTime, "2026-11-26T15:20:16.123456Z");
});

Deno.test("encodeKubeProtobuf() writes what Go writes for an empty ConfigMap", () => {
  // Every non-pointer ObjectMeta field is written, empty; the zero creationTimestamp is an
  // empty message; contentEncoding and contentType close the envelope.
  const bytes = encodeKubeProtobuf({
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: { name: "x" },
  });
  assert.equal(
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""),
    [
      "6b387300", // k8s\0
      "0a0f0a0276311209436f6e6669674d6170", // typeMeta {apiVersion: v1, kind: ConfigMap}
      "1213", // raw, 19 bytes:
      "0a110a017812001a0022002a00320038004200", // metadata {name: x, "" ×5, 0, Time{}}
      "1a002200", // contentEncoding, contentType
    ].join(""),
  );
});

Deno.test("encodeKubeProtobuf() refuses values of the wrong type with a 400", () => {
  const bad: Record<string, unknown>[] = [
    { kind: "ConfigMap", apiVersion: "v1", data: { a: 1 } },
    { kind: "ConfigMap", apiVersion: "v1", data: ["a"] },
    { kind: "Secret", apiVersion: "v1", data: { a: "***" } },
    { kind: "Deployment", apiVersion: "apps/v1", spec: { replicas: "3" } },
    { kind: "Deployment", apiVersion: "apps/v1", spec: { replicas: 2 ** 31 } },
    { kind: "Lease", apiVersion: "coordination.k8s.io/v1", spec: { renewTime: "yesterday" } },
    { kind: "Pod", apiVersion: "v1" + "beta9" },
    { apiVersion: "v1" },
  ];
  for (const obj of bad) {
    assert.throws(() => encodeKubeProtobuf(obj), StatusError, JSON.stringify(obj));
  }
});
