/**
 * Bootstrap tokens as `k3s token` handles them, pure: generating one, the
 * `kube-system/bootstrap-token-<id>` secret it is stored as (kubeadm's layout), reading such a
 * secret back, and the `k3s token list` table.
 *
 * @module
 */

export const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_PATTERN_TEXT = "\\A([a-z0-9]{6})\\.([a-z0-9]{16})\\z";
export const TOKEN_ID_PATTERN = /^[a-z0-9]{6}$/;
export const SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const DEFAULT_GROUP = "system:bootstrappers:k3s:default-node-token";
export const KNOWN_USAGES = ["signing", "authentication"] as const;
const GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A bootstrap token as `k3s token list -o json` shows it (kubeadm's `BootstrapToken`). */
export interface BootstrapToken {
  token: string;
  description?: string;
  expires?: string;
  usages?: string[];
  groups?: string[];
}

/** What `k3s token create` was asked for. */
export interface NewToken {
  token: string;
  description: string;
  /** Milliseconds; 0 never expires. */
  ttlMs: number;
  usages: readonly string[];
  groups: readonly string[];
}

function randomString(length: number): string {
  // 252 is the largest multiple of 36 below 256: rejecting above it keeps the choice uniform.
  let out = "";
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 252 && out.length < length) out += ALPHABET[b % 36];
    }
  }
  return out;
}

/** A random `<6>.<16>` token, as kubeadm's `GenerateBootstrapToken`. */
export function generateToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}

/** The id and secret of a token; throws kubeadm's message when it is not one. */
export function parseBootstrapToken(token: string): { id: string; secret: string } {
  const m = TOKEN_PATTERN.exec(token);
  if (!m) {
    throw new Error(`the bootstrap token "${token}" was not of the form "${TOKEN_PATTERN_TEXT}"`);
  }
  return { id: m[1], secret: m[2] };
}

/** Problems with usages and groups, before anything is sent. */
export function checkNewToken(t: NewToken): void {
  for (const u of t.usages) {
    if (!(KNOWN_USAGES as readonly string[]).includes(u)) {
      throw new Error(
        `invalid bootstrap token usage string: ${u}, valid usage options: ${
          KNOWN_USAGES.join(",")
        }`,
      );
    }
  }
  for (const g of t.groups) {
    if (!GROUP_PATTERN.test(g)) {
      throw new Error(`bootstrap group "${g}" is invalid (must match ${GROUP_PATTERN.source})`);
    }
  }
  if (t.ttlMs < 0) throw new Error("the token TTL must not be negative");
}

function b64(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

function unb64(text: unknown): string {
  if (typeof text !== "string") return "";
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
  } catch {
    return "";
  }
}

/** RFC 3339 in UTC with whole seconds, as Go's `time.RFC3339` prints a UTC time. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The secret that stores a new token. */
export function tokenSecret(t: NewToken, now: Date): Record<string, unknown> {
  const { id, secret } = parseBootstrapToken(t.token);
  const data: Record<string, string> = { "token-id": b64(id), "token-secret": b64(secret) };
  if (t.description) data.description = b64(t.description);
  if (t.ttlMs > 0) data.expiration = b64(rfc3339(now.getTime() + t.ttlMs));
  for (const u of t.usages) data[`usage-bootstrap-${u}`] = b64("true");
  if (t.groups.length) data["auth-extra-groups"] = b64(t.groups.join(","));
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" },
    type: SECRET_TYPE,
    data,
  };
}

/** A token secret read back; throws (naming the secret) when it is not a valid one. */
export function tokenFromSecret(secret: Record<string, unknown>): BootstrapToken {
  const meta = (secret.metadata ?? {}) as { name?: string };
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const id = unb64(data["token-id"]);
  if (!id) throw new Error(`bootstrap Token Secret has no token-id data: ${meta.name}`);
  if (meta.name !== `bootstrap-token-${id}`) {
    throw new Error(
      `bootstrap token name is not of the form 'bootstrap-token-(token-id)'. Actual: "${meta.name}". Expected: "bootstrap-token-${id}"`,
    );
  }
  const secretPart = unb64(data["token-secret"]);
  if (!secretPart) throw new Error(`bootstrap Token Secret has no token-secret data: ${meta.name}`);
  const token: BootstrapToken = { token: `${id}.${secretPart}` };
  parseBootstrapToken(token.token);
  const description = unb64(data.description);
  if (description) token.description = description;
  const expiration = unb64(data.expiration);
  if (expiration) {
    if (Number.isNaN(Date.parse(expiration))) {
      throw new Error(`can't parse expiration time of bootstrap token "${meta.name}"`);
    }
    token.expires = rfc3339(Date.parse(expiration));
  }
  const usages = Object.keys(data)
    .filter((k) => k.startsWith("usage-bootstrap-") && unb64(data[k]) === "true")
    .map((k) => k.slice("usage-bootstrap-".length))
    .sort();
  if (usages.length) token.usages = usages;
  const groups = unb64(data["auth-extra-groups"]).split(",").filter((g) => g !== "");
  if (groups.length) token.groups = groups;
  return token;
}

/** apimachinery's `ShortHumanDuration`. */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * Rows laid out as Go's `tabwriter.NewWriter(w, 10, 4, 3, ' ', 0)` does: every column but the
 * last is padded to its widest cell plus 3, and at least 10.
 */
export function tabwrite(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 10, cell.length + 3);
    });
  }
  return rows.map((row) =>
    row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell)).join("") + "\n"
  ).join("");
}

function joinOrNone(items: readonly string[] | undefined): string {
  const j = (items ?? []).join(",");
  return j === "" ? "<none>" : j;
}

/** The `k3s token list` table. The TOKEN column shows the id only, as K3s does. */
export function tokenTable(tokens: readonly BootstrapToken[], now: Date): string {
  const rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]];
  for (const t of tokens) {
    const expires = t.expires ? Date.parse(t.expires) : undefined;
    rows.push([
      t.token.split(".")[0],
      expires === undefined ? "<forever>" : shortHumanDuration(expires - now.getTime()),
      t.expires ?? "<never>",
      joinOrNone(t.usages),
      joinOrNone(t.description ? [t.description] : []),
      joinOrNone(t.groups),
    ]);
  }
  return tabwrite(rows);
}
