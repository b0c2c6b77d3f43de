/**
 * The supervisor endpoints `k3s secrets-encrypt` talks to, for the server token (`server:`
 * user, group `k3s:server`) only, as K3s serves them:
 *
 * - `GET /v1-k3s/encrypt/status`: the {@link EncryptionStatus} as JSON;
 * - `PUT /v1-k3s/encrypt/config`: an {@link EncryptionRequest} (`{"stage": …}` or
 *   `{"enable": …}`), answered 200 with no body.
 *
 * A failure answers 400 `secret-encrypt error ID <n>` and logs the detail under the same ID,
 * so the cause is in the server log and never in a response (K3s's `genErrorMessage`).
 *
 * @module
 */
import { randomInt } from "node:crypto";
import type { Route } from "../apiserver/app.ts";
import { SERVER_GROUP } from "../apiserver/authn/join_token.ts";
import type { RequestContext } from "../apiserver/context.ts";
import type { EncryptionRequest, SecretsEncryption } from "./controller.ts";

const text = (status: number, body: string) =>
  new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

export function encryptionRoutes(
  enc: SecretsEncryption,
  warn: (message: string) => void = (m) => console.error(`${new Date().toISOString()} ERROR ${m}`),
): Route[] {
  const failure = (status: number, err: unknown) => {
    const id = String(randomInt(0, 99999)).padStart(5, "0");
    warn(`secret-encrypt error ID ${id}: ${(err as Error).message}`);
    return text(status, `secret-encrypt error ID ${id}`);
  };
  const serverOnly = (handle: (ctx: RequestContext) => Promise<Response>) =>
  async (
    ctx: RequestContext,
  ): Promise<Response> => {
    if (!ctx.user.groups.includes(SERVER_GROUP)) return text(403, "forbidden");
    return await handle(ctx);
  };
  return [
    {
      path: "/v1-k3s/encrypt/status",
      handle: serverOnly(async (ctx) => {
        if (ctx.req.method !== "GET") return text(405, "method not allowed");
        try {
          return new Response(JSON.stringify(await enc.status()), {
            headers: { "content-type": "application/json" },
          });
        } catch (err) {
          return failure(500, err);
        }
      }),
    },
    {
      path: "/v1-k3s/encrypt/config",
      handle: serverOnly(async (ctx) => {
        if (ctx.req.method !== "PUT") return text(400, "");
        let body: EncryptionRequest;
        try {
          body = JSON.parse(await ctx.req.text());
        } catch (err) {
          return text(400, (err as Error).message);
        }
        try {
          await enc.request(body);
        } catch (err) {
          return failure(400, err);
        }
        return text(200, "");
      }),
    },
  ];
}
