/**
 * The programs `deno task bench floor` measures, bundled as k3s is (`deno bundle
 * --code-splitting`) and run with the same deno flags. Each argument adds one part:
 *
 * - `mtls`: what the API server and the kubelet need from the runtime before any k3s code: an
 *   HTTP/2 and HTTP/1.1 server on node:http2 that asks for client certificates (Deno's own server
 *   cannot ask for them: denoland/deno#26825), verifying them against `$FLOOR_DIR/ca.crt` and
 *   answering with the client's common name on port `$FLOOR_PORT`, and a SQLite database with one
 *   row.
 * - `server-code`: k3s's server modules (server/run.ts) loaded, not started.
 * - `agent-code`: the agent's modules (agent/run.ts) loaded, not started.
 *
 * With no argument it does nothing: what `deno run` itself holds. Prints `ready` when set up,
 * then stays idle until it is killed.
 *
 * @module
 */
import type { TLSSocket } from "node:tls";

for (const part of Deno.args) {
  switch (part) {
    case "mtls":
      await serveMtls(Deno.env.get("FLOOR_DIR") ?? ".", Number(Deno.env.get("FLOOR_PORT")));
      break;
    case "server-code":
      await import("../server/run.ts");
      break;
    case "agent-code":
      await import("../agent/run.ts");
      break;
    default:
      console.error(`floor_probe: unknown part ${part}`);
      Deno.exit(2);
  }
}
console.log("ready");
setInterval(() => {}, 60_000);

async function serveMtls(dir: string, port: number): Promise<void> {
  // Imported here, so that a probe without `mtls` loads none of the Node layer for it.
  const { default: http2 } = await import("node:http2");
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { DatabaseSync } = await import("node:sqlite");
  const file = (name: string) => readFileSync(join(dir, name), "utf8");
  const db = new DatabaseSync(join(dir, "floor.db"));
  db.exec("CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, value BLOB)");
  db.prepare("INSERT OR REPLACE INTO kv VALUES (?, ?)").run("a", new Uint8Array(64));
  const server = http2.createSecureServer({
    cert: file("server.crt"),
    key: file("server.key"),
    ca: file("ca.crt"),
    requestCert: true,
    rejectUnauthorized: false,
    allowHTTP1: true,
  }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const cn = socket.authorized ? String(socket.getPeerCertificate().subject?.CN ?? "") : "";
    res.writeHead(cn ? 200 : 401).end(cn || "no verified client certificate");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
}
