/**
 * Test helpers for server/pki: temp dirs and openssl.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "pki-test-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs openssl and returns stdout; throws with stderr on failure. */
export function openssl(...args: string[]): string {
  try {
    return execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
  } catch (e) {
    const err = e as { stderr?: Uint8Array; stdout?: Uint8Array; message: string };
    throw new Error(`openssl ${args.join(" ")}: ${err.stdout ?? ""}${err.stderr ?? err.message}`);
  }
}

/** `openssl x509 -text` of a PEM certificate. */
export async function opensslText(certPem: string): Promise<string> {
  return await withTempDir(async (dir) => {
    await writeFile(join(dir, "c.crt"), certPem);
    return openssl("x509", "-in", join(dir, "c.crt"), "-noout", "-text");
  });
}

/** `openssl verify -CAfile` of a leaf against a CA; returns openssl's output. */
export async function opensslVerify(caPem: string, certPem: string, purpose?: string) {
  return await withTempDir(async (dir) => {
    await writeFile(join(dir, "ca.crt"), caPem);
    await writeFile(join(dir, "c.crt"), certPem);
    const extra = purpose ? ["-purpose", purpose] : [];
    return openssl("verify", ...extra, "-CAfile", join(dir, "ca.crt"), join(dir, "c.crt"));
  });
}
