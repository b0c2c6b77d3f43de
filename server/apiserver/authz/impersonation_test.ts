import assert from "node:assert/strict";
import { forbidden, StatusError } from "../../../kube/errors.ts";
import type { RequestInfo } from "../request_info.ts";
import type { UserInfo } from "../resource.ts";
import { authenticatedUser, impersonate } from "./impersonation.ts";

const admin: UserInfo = { name: "admin", groups: ["system:authenticated"] };

function request(headers: Record<string, string> | [string, string][]): Request {
  return new Request("https://k/api/v1/pods", { headers });
}

/** Records every check and allows those `allow` accepts. */
function checker(allow: (info: RequestInfo) => boolean = () => true) {
  const checks: string[] = [];
  const fn = (_user: UserInfo, info: RequestInfo) => {
    const what = `${info.verb} ${info.group}/${info.resource}${
      info.subresource ? `/${info.subresource}` : ""
    } ${info.namespace ? `${info.namespace}/` : ""}${info.name}`;
    checks.push(what);
    return allow(info) ? Promise.resolve() : Promise.reject(forbidden(what));
  };
  return { checks, fn };
}

Deno.test("impersonate() returns the user itself without impersonation headers", async () => {
  const c = checker();
  assert.equal(await impersonate(request({}), admin, c.fn), admin);
  assert.deepEqual(c.checks, []);
});

Deno.test("impersonate() checks users and groups and adds system:authenticated", async () => {
  const c = checker();
  const req = request([["Impersonate-User", "alice"], ["Impersonate-Group", "dev"], [
    "Impersonate-Group",
    "ops",
  ]]);
  assert.deepEqual(await impersonate(req, admin, c.fn), {
    name: "alice",
    groups: ["dev", "ops", "system:authenticated"],
  });
  assert.deepEqual(c.checks, [
    "impersonate /users alice",
    "impersonate /groups dev",
    "impersonate /groups ops",
  ]);
});

Deno.test("impersonate() gives a service account its groups, checked in its namespace", async () => {
  const c = checker();
  const req = request({ "Impersonate-User": "system:serviceaccount:ns1:bot" });
  assert.deepEqual(await impersonate(req, admin, c.fn), {
    name: "system:serviceaccount:ns1:bot",
    groups: ["system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"],
  });
  assert.deepEqual(c.checks, ["impersonate /serviceaccounts ns1/bot"]);
});

Deno.test("impersonate() handles extras, uid and the anonymous user", async () => {
  const c = checker();
  const req = request({
    "Impersonate-User": "system:anonymous",
    "Impersonate-Uid": "u-1",
    "Impersonate-Extra-Scopes%2Fa": "x",
  });
  assert.deepEqual(await impersonate(req, admin, c.fn), {
    name: "system:anonymous",
    uid: "u-1",
    groups: ["system:unauthenticated"],
    extra: { "scopes/a": ["x"] },
  });
  assert.deepEqual(c.checks, [
    "impersonate /users system:anonymous",
    "impersonate authentication.k8s.io/userextras/scopes/a x",
    "impersonate authentication.k8s.io/uids u-1",
  ]);
});

Deno.test("impersonate() stops at the first forbidden check", async () => {
  const c = checker((info) => info.resource !== "groups");
  const req = request({ "Impersonate-User": "alice", "Impersonate-Group": "system:masters" });
  await assert.rejects(impersonate(req, admin, c.fn), (e: StatusError) => e.code === 403);
});

Deno.test("impersonate() refuses groups without a user", async () => {
  const req = request({ "Impersonate-Group": "dev" });
  await assert.rejects(impersonate(req, admin, checker().fn), (e: StatusError) => e.code === 500);
});

Deno.test("authenticatedUser() adds system:authenticated once", () => {
  assert.deepEqual(authenticatedUser({ name: "a", groups: ["x"] }).groups, [
    "x",
    "system:authenticated",
  ]);
  const already = { name: "a", groups: ["system:authenticated"] };
  assert.equal(authenticatedUser(already), already);
});
