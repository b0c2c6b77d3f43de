/**
 * `k3s secrets-encrypt status|enable|disable|prepare|rotate|reencrypt|rotate-keys`: K3s's
 * secrets encryption tool. Each subcommand calls the running server's supervisor API
 * (`/v1-k3s/encrypt/status`, `/v1-k3s/encrypt/config`) as the `server` user with the server
 * token: `--token`/`$K3S_TOKEN`, else `<data-dir>/server/token`. The server CA comes from
 * `/cacerts`, pinned with the token's CA hash when the token carries one.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { STATUS_CODES } from "node:http";
import { join } from "node:path";
import { requestWith, type Target } from "../server/apiserver/authn/https_client.ts";
import { parseToken, verifyCaHash } from "../server/pki/token.ts";
import { dataDirFlag } from "./common_flags.ts";
import type { FlagSpec } from "./flag.ts";
import { type Env, resolveFlags } from "./resolve.ts";
import {
  parseSubcommandFlags,
  selectSubcommand,
  type SubcommandGroup,
  type SubcommandSpec,
} from "./subcommands.ts";

const encryptFlags = [
  dataDirFlag("Folder to hold state"),
  {
    name: "token",
    short: "t",
    type: "string",
    category: "Cluster",
    usage: "Shared secret used to join a server or agent to a cluster",
    env: "K3S_TOKEN",
  },
  {
    name: "server",
    short: "s",
    type: "string",
    category: "Cluster",
    usage: "Server to connect to",
    placeholder: "URL",
    env: "K3S_URL",
    default: "https://127.0.0.1:6443",
  },
  {
    name: "output",
    short: "o",
    type: "string",
    category: "Config",
    usage: "Status format. Default: text. Optional: json",
    default: "text",
    choices: ["text", "json"],
  },
  {
    name: "force",
    short: "f",
    type: "bool",
    category: "Security",
    usage: "Force this stage.",
  },
  {
    name: "skip",
    type: "bool",
    category: "Security",
    usage: "Skip removing old key",
  },
] as const satisfies readonly FlagSpec[];

const COMMON = ["data-dir", "token", "server"];

const SUBCOMMANDS: Record<string, SubcommandSpec> = {
  status: { usage: "Print current status of secrets encryption", flags: [...COMMON, "output"] },
  enable: { usage: "Enable secrets encryption", flags: COMMON },
  disable: { usage: "Disable secrets encryption", flags: COMMON },
  prepare: { usage: "Prepare for encryption keys rotation", flags: [...COMMON, "force"] },
  rotate: { usage: "Rotate secrets encryption keys", flags: [...COMMON, "force"] },
  reencrypt: {
    usage: "Reencrypt all data with new encryption key",
    flags: [...COMMON, "force", "skip"],
  },
  "rotate-keys": {
    usage: "Dynamically rotates secrets encryption keys and re-encrypt secrets",
    flags: COMMON,
  },
};

const GROUP: SubcommandGroup = {
  name: "secrets-encrypt",
  summary: "Control secrets encryption and keys rotation",
  subcommands: SUBCOMMANDS,
  flags: encryptFlags,
};

/** The status the server answers (K3s's `EncryptionState`). */
export interface EncryptionStatusBody {
  stage: string;
  activekey: string;
  enable?: boolean;
  hashmatch?: boolean;
  hasherror?: string;
  inactivekeys?: string[];
}

/** Output, replaceable in tests. */
export interface EncryptIo {
  print(text: string): void;
}

const processIo: EncryptIo = { print: (text) => console.log(text) };

/** Pads columns two spaces apart, as Go's tabwriter does for the key table. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i] + 2)).join(""))
    .join("\n");
}

/** The text `k3s secrets-encrypt status` prints, as K3s formats it. */
export function formatStatus(status: EncryptionStatusBody): string {
  if (status.enable === undefined) {
    return "Encryption Status: Disabled, no configuration file found";
  }
  const lines = [
    `Encryption Status: ${status.enable ? "Enabled" : "Disabled"}`,
    `Current Rotation Stage: ${status.stage}`,
    status.hashmatch
      ? "Server Encryption Hashes: All hashes match"
      : `Server Encryption Hashes: ${status.hasherror ?? ""}`,
    "",
  ];
  const rows = [["Active", "Key Type", "Name"], ["------", "--------", "----"]];
  // Keys are "<type> <name>" (a bare name from an older server is AES-CBC).
  const split = (key: string) => {
    const at = key.indexOf(" ");
    return at < 0 ? ["AES-CBC", key] : [key.slice(0, at), key.slice(at + 1)];
  };
  if (status.activekey) rows.push([" *", ...split(status.activekey)]);
  for (const k of status.inactivekeys ?? []) rows.push(["", ...split(k)]);
  return lines.join("\n") + "\n" + table(rows) + "\n";
}

/** Where to reach the server as the `server` user, with its CA checked against the token. */
async function serverTarget(server: string, token: string): Promise<Target> {
  const parsed = parseToken(token);
  const base = server.replace(/\/+$/, "");
  const cacerts = await requestWith(
    { server: base, insecureSkipTlsVerify: true },
    "GET",
    "/cacerts",
  );
  if (cacerts.status !== 200) throw new Error(`${base}/cacerts: ${cacerts.status}`);
  if (parsed.caHash && !verifyCaHash(parsed, cacerts.body)) {
    throw new Error(
      `token CA hash does not match the Cluster CA certificate hash: ${parsed.caHash}`,
    );
  }
  return {
    server: base,
    caPem: cacerts.body,
    username: "server",
    password: parsed.password,
    insecureSkipTlsVerify: false,
  };
}

/** K3s's `wrapServerError`: the server logs the detail under the error ID it answers. */
function serverError(url: string, status: number, body: string): Error {
  const line = `${url}: ${status} ${STATUS_CODES[status] ?? ""} ${body.trim()}`;
  return new Error(`see server log for details: ${line.trim()}`);
}

/** Runs `k3s secrets-encrypt <args>`; resolves to the exit code. */
export async function runSecretsEncryptCommand(
  args: readonly string[],
  env: Env,
  io: EncryptIo = processIo,
): Promise<number> {
  const selected = selectSubcommand(GROUP, args);
  if (selected.help !== undefined) {
    io.print(selected.help);
    return 0;
  }
  const { sub, rest } = selected;
  const words = parseSubcommandFlags(selected, rest);
  if (words.help !== undefined) {
    io.print(words.help);
    return 0;
  }
  const parsed = words.parsed;
  const config = resolveFlags(encryptFlags, parsed, new Map(), env);
  const token = config.token ??
    (await readFile(join(config.dataDir, "server", "token"), "utf8")).trimEnd();
  const target = await serverTarget(config.server, token);
  const prefix = "/v1-k3s/encrypt";

  if (sub === "status") {
    const res = await requestWith(target, "GET", `${prefix}/status`);
    if (res.status !== 200) throw serverError(`${target.server}${prefix}/status`, res.status, "");
    const status = JSON.parse(res.body) as EncryptionStatusBody;
    io.print(config.output === "json" ? JSON.stringify(status, null, "\t") : formatStatus(status));
    return 0;
  }
  const force = config.force ?? false;
  const [body, done] = {
    enable: [{ enable: true }, "secrets-encryption enabled"],
    disable: [{ enable: false }, "secrets-encryption disabled"],
    prepare: [{ stage: "prepare", force }, "prepare completed successfully"],
    rotate: [{ stage: "rotate", force }, "rotate completed successfully"],
    reencrypt: [
      { stage: "reencrypt_active", force, skip: config.skip ?? false },
      "reencryption started",
    ],
    "rotate-keys": [{ stage: "rotate_keys" }, "keys rotated, reencryption finished"],
  }[sub] as [Record<string, unknown>, string];
  // Re-encryption writes every secret before the server answers.
  const res = await requestWith(target, "PUT", `${prefix}/config`, {
    body,
    timeoutMs: 300_000,
  });
  if (res.status < 200 || res.status > 299) {
    throw serverError(`${target.server}${prefix}/config`, res.status, res.body);
  }
  io.print(done);
  return 0;
}
