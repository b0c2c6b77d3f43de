/**
 * List continuation tokens: the revision the first page was read at and the key to go on from,
 * opaque to clients (base64 of JSON, as upstream's).
 *
 * @module
 */
import { badRequest } from "../../kube/errors.ts";

interface Token {
  v: "meta.k8s.io/v1";
  rv: number;
  start: string;
}

/** A token for the next page: read at `rv`, starting at `startKey` (relative to `prefix`). */
export function encodeContinue(rv: number, startKey: string, prefix: string): string {
  const token: Token = { v: "meta.k8s.io/v1", rv, start: startKey.slice(prefix.length) };
  return btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(token))))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Decodes a token for keys under `prefix`; a malformed token is a 400. */
export function decodeContinue(value: string, prefix: string): { rv: number; start: string } {
  let token: Token;
  try {
    const b64 = value.replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    token = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw badRequest("continue key is not valid: illegal base64 data");
  }
  if (token?.v !== "meta.k8s.io/v1" || typeof token.rv !== "number" || token.rv <= 0) {
    throw badRequest("continue key is not valid: incorrect encoded start resourceVersion");
  }
  if (
    typeof token.start !== "string" || token.start.includes("..") || token.start.startsWith("/")
  ) {
    throw badRequest("continue key is not valid: invalid start key");
  }
  return { rv: token.rv, start: prefix + token.start };
}
