import assert from "node:assert/strict";
import { ApiserverArgs, checkApiserverArgs } from "./apiserver_args.ts";

Deno.test("ApiserverArgs reads name=value pairs, the last of a repeated flag winning", () => {
  const a = new ApiserverArgs([
    "max-requests-inflight=10",
    "--max-requests-inflight=20",
    "api-audiences=a,b",
    "enable-priority-and-fairness",
  ]);
  assert.equal(a.int("max-requests-inflight", 400), 20);
  assert.equal(a.int("max-mutating-requests-inflight", 200), 200);
  assert.deepEqual(a.all("max-requests-inflight"), ["10", "20"]);
  assert.equal(a.bool("enable-priority-and-fairness", false), true);
  assert.equal(a.last("api-audiences"), "a,b");
});

Deno.test("ApiserverArgs refuses a value a flag cannot take, naming the flag", () => {
  const a = new ApiserverArgs(["max-requests-inflight=many", "audit-log-maxage=x"]);
  assert.throws(
    () => a.int("max-requests-inflight", 400),
    /--kube-apiserver-arg=max-requests-inflight=many: must be a non-negative integer/,
  );
  assert.throws(() => new ApiserverArgs(["x=maybe"]).bool("x", true), /must be true or false/);
});

Deno.test("checkApiserverArgs() stops at an unknown flag and warns about unsupported ones", () => {
  assert.throws(
    () => checkApiserverArgs(new ApiserverArgs(["audit-log-path=/a", "no-such-flag=1"])),
    /kube-apiserver has no flag --no-such-flag/,
  );
  const warnings = checkApiserverArgs(
    new ApiserverArgs(["audit-log-path=/a", "enable-admission-plugins=NodeRestriction"]),
  );
  assert.deepEqual(warnings, [
    "--kube-apiserver-arg=enable-admission-plugins is not supported by this server and is ignored",
  ]);
});
