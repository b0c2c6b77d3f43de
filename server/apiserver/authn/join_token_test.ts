import assert from "node:assert/strict";
import { JoinTokenAuthenticator } from "./join_token.ts";

function basic(user: string, password: string): Request {
  return new Request("https://x/v1-k3s/config", {
    headers: { authorization: `Basic ${btoa(`${user}:${password}`)}` },
  });
}

Deno.test("the join tokens authenticate node and server in their own groups", async () => {
  const a = new JoinTokenAuthenticator({ serverSecret: "s3cret", agentSecret: "agent" });
  assert.deepEqual(await a.authenticate(basic("node", "agent")), {
    name: "node",
    uid: "node",
    groups: ["k3s:agent"],
  });
  assert.deepEqual((await a.authenticate(basic("server", "s3cret")))?.groups, ["k3s:server"]);
});

Deno.test("wrong passwords, other users and other schemes authenticate no one", async () => {
  const a = new JoinTokenAuthenticator({ serverSecret: "s3cret", agentSecret: "agent" });
  assert.equal(await a.authenticate(basic("node", "s3cret")), null);
  assert.equal(await a.authenticate(basic("admin", "s3cret")), null);
  assert.equal(await a.authenticate(basic("server", "")), null);
  const bearer = new Request("https://x/", { headers: { authorization: "Bearer s3cret" } });
  assert.equal(await a.authenticate(bearer), null);
});
