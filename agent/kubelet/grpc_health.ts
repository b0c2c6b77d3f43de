/**
 * The gRPC probe: one `grpc.health.v1.Health/Check` call (its two one-field messages encoded
 * by hand), success when the answer is `SERVING`, with upstream's failure messages.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Client, credentials, type ServiceError } from "@grpc/grpc-js";

const STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

/** `HealthCheckRequest { string service = 1; }`. */
export function encodeHealthRequest(service: string): Buffer {
  const name = Buffer.from(service);
  if (!name.length) return Buffer.alloc(0);
  const length: number[] = [];
  let n = name.length;
  do {
    length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x0a, ...length]), name]);
}

/** `HealthCheckResponse { ServingStatus status = 1; }`: the status name. */
export function decodeHealthStatus(bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length;) {
    const tag = bytes[i++];
    if (tag === 0x08) {
      let value = 0;
      let shift = 0;
      while (i < bytes.length) {
        const b = bytes[i++];
        value |= (b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
      return STATUS[value] ?? String(value);
    }
    break;
  }
  return "UNKNOWN";
}

export function grpcHealthCheck(
  host: string,
  port: number,
  service: string,
  timeoutSeconds: number,
): Promise<{ ok: boolean; output: string }> {
  const target = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const client = new Client(target, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (arg: Buffer) => arg,
      (buf: Buffer) => buf,
      encodeHealthRequest(service),
      { deadline: Date.now() + timeoutSeconds * 1000 },
      (error: ServiceError | null, value?: Buffer) => {
        client.close();
        if (error) {
          resolve({
            ok: false,
            output: error.code === 4
              ? `timeout: health rpc did not complete within ${timeoutSeconds}s`
              : `error: health rpc probe failed: ${error.details || error.message}`,
          });
          return;
        }
        const status = decodeHealthStatus(value ?? Buffer.alloc(0));
        resolve(
          status === "SERVING"
            ? { ok: true, output: "" }
            : { ok: false, output: `service unhealthy (responded with "${status}")` },
        );
      },
    );
  });
}
