import assert from "node:assert/strict";
import type { KubeObject } from "../../../../kube/meta.ts";
import { cells, create, fieldsOf, update } from "../apps/testing.ts";
import { endpointSlices, SERVICE_NAME_LABEL, validateAddress } from "./endpointslice.ts";

function slice(fields: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name: "web-abc12", namespace: "default", labels: { [SERVICE_NAME_LABEL]: "web" } },
    addressType: "IPv4",
    endpoints: [
      { addresses: ["10.42.0.5"], conditions: { ready: true }, nodeName: "node-1" },
      { addresses: ["10.42.0.6"], conditions: { ready: false } },
    ],
    ports: [{ port: 80 }],
    ...fields,
  };
}

Deno.test('endpointslices: ports default to name "" and protocol TCP', async () => {
  const { obj, errors } = await create(endpointSlices, slice());
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(obj.ports, [{ port: 80, name: "", protocol: "TCP" }]);
  assert.equal(obj.metadata.generation, 1);
});

Deno.test("endpointslices: addressType is required, known and immutable", async () => {
  const missing = await create(endpointSlices, slice({ addressType: undefined }));
  assert.deepStrictEqual(fieldsOf(missing.errors), ["FieldValueRequired addressType"]);
  const unknown = await create(endpointSlices, slice({ addressType: "IPX" }));
  assert.deepStrictEqual(fieldsOf(unknown.errors), ["FieldValueNotSupported addressType"]);
  const { obj: old } = await create(endpointSlices, slice());
  const changed = {
    ...structuredClone(old),
    addressType: "FQDN",
    endpoints: [{ addresses: ["web.example.com"] }],
  };
  assert.deepStrictEqual(fieldsOf((await update(endpointSlices, changed, old)).errors), [
    "FieldValueInvalid addressType",
  ]);
});

Deno.test("endpointslices: each endpoint has 1 to 100 addresses of the slice's type", async () => {
  const { errors } = await create(
    endpointSlices,
    slice({
      endpoints: [
        { addresses: [] },
        { addresses: Array.from({ length: 101 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) },
        { addresses: ["fd00::1", "127.0.0.1"] },
      ],
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueRequired endpoints[0].addresses",
    "FieldValueTooMany endpoints[1].addresses",
    "FieldValueInvalid endpoints[2].addresses[0]",
    "FieldValueInvalid endpoints[2].addresses[1]",
  ]);
  assert.equal(errors[1].detail, "must have at most 100 items");
});

Deno.test("endpointslices: addresses are checked as upstream checks endpoint IPs and names", () => {
  const details = (a: string, t: string) => validateAddress(a, t, "a").map((e) => e.detail);
  assert.deepStrictEqual(details("10.1.2.3", "IPv4"), []);
  assert.deepStrictEqual(details("::ffff:10.1.2.3", "IPv4"), []);
  assert.deepStrictEqual(details("2001:db8::1", "IPv4"), ["must be a valid IPv4 address"]);
  assert.deepStrictEqual(details("10.1.2.3", "IPv6"), ["must be a valid IPv6 address"]);
  assert.deepStrictEqual(details("169.254.1.1", "IPv4"), [
    "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
  ]);
  assert.deepStrictEqual(details("::", "IPv6"), ["may not be unspecified (::)"]);
  assert.deepStrictEqual(details("ff02::1", "IPv6"), [
    "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
  ]);
  assert.deepStrictEqual(details("web.example.com.", "FQDN"), []);
  assert.deepStrictEqual(details("localhost", "FQDN"), [
    "should be a domain with at least two segments separated by dots",
  ]);
});

Deno.test("endpointslices: ports need unique names and a known protocol", async () => {
  const { errors } = await create(
    endpointSlices,
    slice({
      ports: [{ name: "http", port: 80 }, { name: "http", port: 8080 }, {
        name: "Bad_",
        protocol: "ICMP",
      }],
    }),
  );
  assert.deepStrictEqual(fieldsOf(errors), [
    "FieldValueDuplicate ports[1].name",
    "FieldValueInvalid ports[2].name",
    "FieldValueNotSupported ports[2].protocol",
  ]);
});

Deno.test("endpointslices: endpoint and label changes bump the generation", async () => {
  const { obj: old } = await create(endpointSlices, slice());
  const relabelled = structuredClone(old);
  relabelled.metadata.labels = { [SERVICE_NAME_LABEL]: "api" };
  assert.equal((await update(endpointSlices, relabelled, old)).obj.metadata.generation, 2);
  const annotated = structuredClone(old);
  annotated.metadata.annotations = { a: "b" };
  assert.equal((await update(endpointSlices, annotated, old)).obj.metadata.generation, 1);
});

Deno.test("endpointslices: columns list up to three ports and addresses", async () => {
  const { obj } = await create(endpointSlices, slice());
  assert.deepStrictEqual(cells(endpointSlices, obj), {
    AddressType: "IPv4",
    Ports: "80",
    Endpoints: "10.42.0.5,10.42.0.6",
  });
  const many = slice({
    endpoints: [{ addresses: ["10.0.0.1", "10.0.0.2"] }, {
      addresses: ["10.0.0.3", "10.0.0.4", "10.0.0.5"],
    }],
    ports: [],
  });
  assert.deepStrictEqual(cells(endpointSlices, many), {
    AddressType: "IPv4",
    Ports: "<unset>",
    Endpoints: "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...",
  });
});
