/**
 * Health and version endpoints: `/healthz`, `/livez`, `/readyz` (with `?verbose` and per-check
 * paths), `/version`.
 *
 * @module
 */
import process from "node:process";
import { K3S_VERSION, KUBERNETES_VERSION } from "../../kube/version.ts";
import type { Route } from "./app.ts";
import { respondValue } from "./respond.ts";

/** One named check; throws or rejects when unhealthy. */
export interface HealthCheck {
  name: string;
  check(): Promise<void> | void;
}

function healthRoute(path: string, checks: HealthCheck[]): Route[] {
  const run = async (only?: string) => {
    const lines: string[] = [];
    let ok = true;
    for (const c of checks) {
      if (only && c.name !== only) continue;
      try {
        await c.check();
        lines.push(`[+]${c.name} ok`);
      } catch (err) {
        ok = false;
        lines.push(`[-]${c.name} failed: reason withheld`);
        console.error(`${path} check ${c.name} failed: ${(err as Error).message}`);
      }
    }
    return { ok, lines };
  };
  const text = (body: string, status: number) =>
    new Response(body, {
      status,
      headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
    });
  return [
    {
      path,
      anonymous: true,
      async handle(ctx) {
        const { ok, lines } = await run();
        const verbose = ctx.url.searchParams.has("verbose");
        const name = path.slice(1);
        if (verbose || !ok) {
          const tail = ok ? `${name} check passed` : `${name} check failed`;
          return text(lines.join("\n") + "\n" + tail + "\n", ok ? 200 : 500);
        }
        return text("ok", 200);
      },
    },
    {
      path: `${path}/`,
      anonymous: true,
      async handle(ctx) {
        const name = ctx.url.pathname.slice(path.length + 1);
        if (!checks.some((c) => c.name === name)) return text("404 page not found\n", 404);
        const { ok } = await run(name);
        return text(ok ? "ok" : `[-]${name} failed: reason withheld\n`, ok ? 200 : 500);
      },
    },
  ];
}

export function healthRoutes(checks: HealthCheck[]): Route[] {
  return [
    ...healthRoute("/healthz", checks),
    ...healthRoute("/livez", checks),
    ...healthRoute("/readyz", checks),
  ];
}

export function versionInfo(): Record<string, string> {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split(".");
  const arch = ({ x64: "amd64", arm64: "arm64", arm: "arm" } as Record<string, string>)[
    process.arch
  ] ?? process.arch;
  return {
    major,
    minor,
    gitVersion: K3S_VERSION,
    gitCommit: "",
    gitTreeState: "clean",
    buildDate: "",
    goVersion: `deno${process.versions.deno ?? ""}`,
    compiler: "deno",
    platform: `linux/${arch}`,
  };
}

export function versionRoute(): Route {
  return { path: "/version", anonymous: true, handle: (ctx) => respondValue(ctx, versionInfo()) };
}
