/**
 * A tiny read-only OCI registry on loopback for pull tests (no registry is reachable from the
 * test machines): it serves busybox-static images under any repository name, as OCI manifests
 * with one uncompressed layer, over plain HTTP. With `auth` it wants HTTP Basic credentials and
 * challenges requests without them, as a private registry does.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { busyboxLayer, imageConfig, sha256 } from "./build.ts";

export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  /** `METHOD path status` of each request, in order. */
  requests: string[];
  /** `sha256:<hex>` of the one layer. */
  layerDigest: string;
  /** The image id (`sha256:<config digest>`) a pull of any served tag resolves to. */
  imageId: string;
  close(): Promise<void>;
}

export interface TestRegistryOptions {
  /** Tags served, in every repository; default `["latest"]`. */
  tags?: string[];
  /** Required Basic credentials. */
  auth?: { username: string; password: string };
}

const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

/** Starts the registry on a free port of 127.0.0.1. */
export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const layer = busyboxLayer();
  const config = imageConfig(layer, { Cmd: ["sh"] });
  const blobs = new Map<string, Uint8Array>([
    [`sha256:${config.layerDigest}`, layer],
    [`sha256:${config.digest}`, config.bytes],
  ]);
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${config.digest}`,
      size: config.bytes.length,
    },
    layers: [{
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      digest: `sha256:${config.layerDigest}`,
      size: layer.length,
    }],
  }));
  const manifestDigest = `sha256:${sha256(manifest)}`;
  const tags = new Set(options.tags ?? ["latest"]);
  const requests: string[] = [];
  const expected = options.auth &&
    `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`;

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://registry").pathname;
    response.once(
      "finish",
      () => requests.push(`${request.method} ${path} ${response.statusCode}`),
    );
    if (expected && request.headers.authorization !== expected) {
      response.writeHead(401, {
        "WWW-Authenticate": `Basic realm="test-registry"`,
        "Content-Type": "application/json",
      });
      response.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "log in" }] }));
      return;
    }
    const send = (body: Uint8Array, type: string, digest: string) => {
      response.writeHead(200, {
        "Content-Type": type,
        "Content-Length": body.length,
        "Docker-Content-Digest": digest,
      });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (path === "/v2/" || path === "/v2") {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end("{}");
      return;
    }
    const found = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (found?.[2] === "manifests" && (tags.has(found[3]) || found[3] === manifestDigest)) {
      return send(manifest, MANIFEST_TYPE, manifestDigest);
    }
    const blob = found?.[2] === "blobs" ? blobs.get(found[3]) : undefined;
    if (blob) return send(blob, "application/octet-stream", found![3]);
    response.writeHead(404, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ errors: [{ code: "NAME_UNKNOWN", message: path }] }));
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    requests,
    layerDigest: `sha256:${config.layerDigest}`,
    imageId: `sha256:${config.digest}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
