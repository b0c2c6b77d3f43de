/**
 * The anonymous supervisor endpoints an agent uses before it has credentials: `/cacerts` (the
 * server CA, which the join token's hash pins) and `/ping`.
 *
 * @module
 */
import type { Route } from "../apiserver/app.ts";

export function supervisorRoutes(opts: { serverCaPem: string }): Route[] {
  const text = (body: string) =>
    new Response(body, { status: 200, headers: { "content-type": "text/plain" } });
  return [
    { path: "/cacerts", anonymous: true, handle: () => text(opts.serverCaPem) },
    { path: "/ping", anonymous: true, handle: () => text("pong") },
  ];
}
