import assert from "node:assert/strict";
import {
  audienceAgnostic,
  authenticateTokenWith,
  bearerToken,
  InvalidTokenError,
  type TokenAuthenticator,
} from "./token.ts";

function req(headers: Record<string, string>): Request {
  return new Request("https://x/api", { headers });
}

Deno.test("bearerToken() reads the Authorization header and the WebSocket subprotocol", () => {
  assert.equal(bearerToken(req({ authorization: "Bearer abc.def" })), "abc.def");
  assert.equal(bearerToken(req({ authorization: "bearer  abc " })), "abc");
  assert.equal(bearerToken(req({ authorization: "Basic abc" })), null);
  assert.equal(bearerToken(req({})), null);
  const b64 = btoa("tok-en").replace(/=+$/, "");
  assert.equal(
    bearerToken(req({
      "sec-websocket-protocol": `v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.${b64}`,
    })),
    "tok-en",
  );
});

const user = { name: "u", groups: [] };

Deno.test("the union returns the first user and collects why the others refused", async () => {
  const refuse: TokenAuthenticator = {
    authenticateToken: () => Promise.reject(new InvalidTokenError("expired")),
  };
  const skip: TokenAuthenticator = { authenticateToken: () => Promise.resolve(null) };
  const accept: TokenAuthenticator = {
    authenticateToken: () => Promise.resolve({ user, audiences: ["a"] }),
  };
  assert.deepEqual(await authenticateTokenWith([refuse, skip, accept], "t", ["a"]), {
    ok: true,
    result: { user, audiences: ["a"] },
  });
  assert.deepEqual(await authenticateTokenWith([refuse, skip], "t", ["a"]), {
    ok: false,
    errors: ["expired"],
  });
});

Deno.test("an audience-agnostic authenticator is valid only for the API audiences", async () => {
  const inner: TokenAuthenticator = {
    authenticateToken: () => Promise.resolve({ user, audiences: [] }),
  };
  const a = audienceAgnostic(inner, ["api", "k3s"]);
  assert.deepEqual((await a.authenticateToken("t", ["k3s", "x"]))?.audiences, ["k3s"]);
  await assert.rejects(a.authenticateToken("t", ["vault"]), InvalidTokenError);
});
