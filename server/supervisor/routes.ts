/**
 * The supervisor endpoints on the API server's listener: the anonymous `/cacerts` (the server
 * CA, which the join token's hash pins) and `/ping`, and, given what they need, the
 * authenticated join API under `/v1-k3s/` (see join_api.ts).
 *
 * @module
 */
import type { Route } from "../apiserver/app.ts";
import { type JoinApiOptions, joinApiRoutes } from "./join_api.ts";

export interface SupervisorRouteOptions {
  /** Served byte for byte: the join token's CA hash is over these bytes. */
  serverCaPem: string;
  join?: JoinApiOptions;
}

export function supervisorRoutes(opts: SupervisorRouteOptions): Route[] {
  const text = (body: string) =>
    new Response(body, { status: 200, headers: { "content-type": "text/plain" } });
  return [
    { path: "/cacerts", anonymous: true, handle: () => text(opts.serverCaPem) },
    { path: "/ping", anonymous: true, handle: () => text("pong") },
    ...(opts.join ? joinApiRoutes(opts.join) : []),
  ];
}
