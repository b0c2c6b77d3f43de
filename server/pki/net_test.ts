import assert from "node:assert/strict";
import { firstIpOf } from "./net.ts";

Deno.test("firstIpOf() gives the kubernetes Service IP of a service CIDR", () => {
  assert.equal(firstIpOf("10.43.0.0/16"), "10.43.0.1");
  assert.equal(firstIpOf("10.43.7.9/16"), "10.43.0.1");
  assert.equal(firstIpOf("192.168.100.0/24"), "192.168.100.1");
  assert.equal(firstIpOf("10.0.0.0/8"), "10.0.0.1");
  assert.equal(firstIpOf("fd00:43::/112"), "fd00:43::1");
  assert.equal(firstIpOf("2001:cafe:43:0:0:0:0:0/112"), "2001:cafe:43::1");
  assert.equal(firstIpOf("2001:db8::ffff:1/64"), "2001:db8::1");
  assert.equal(firstIpOf("fd00:1:2:3:4:5:6:0/112"), "fd00:1:2:3:4:5:6:1");
});

Deno.test("firstIpOf() rejects what is not a network", () => {
  for (const bad of ["10.43.0.0", "10.43.0.0/", "x/16", "10.0.0.0/33", "10.0.0.0/32", "::/128"]) {
    assert.throws(() => firstIpOf(bad), /Cannot use CIDR/, bad);
  }
});
