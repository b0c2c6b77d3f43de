/**
 * `k3s token create|delete|generate|list`: bootstrap tokens, kept as
 * `kube-system/bootstrap-token-<id>` secrets on the server, which they authenticate to (and
 * which agents may join with). The commands talk to the server with `--kubeconfig` (or
 * `$KUBECONFIG`), else the admin kubeconfig under `--data-dir`, else `/etc/rancher/k3s/k3s.yaml`.
 * `create` prints the full `K10<ca hash>::<id>.<secret>` token.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { stringify as toYaml } from "yaml";
import { loadKubeconfig } from "../kube/kubeconfig.ts";
import { requestWith, type Target } from "../server/apiserver/authn/https_client.ts";
import { caHashOf, parseToken } from "../server/pki/token.ts";
import { dataDirFlag } from "./common_flags.ts";
import { CliError } from "./errors.ts";
import { findFlag, type FlagSpec } from "./flag.ts";
import { adminKubeconfig } from "./kubectl.ts";
import { type Env, resolveFlags } from "./resolve.ts";
import {
  parseSubcommandFlags,
  selectSubcommand,
  type SubcommandGroup,
  type SubcommandSpec,
} from "./subcommands.ts";
import {
  type BootstrapToken,
  checkNewToken,
  DEFAULT_GROUP,
  generateToken,
  KNOWN_USAGES,
  parseBootstrapToken,
  SECRET_TYPE,
  TOKEN_ID_PATTERN,
  tokenFromSecret,
  tokenSecret,
  tokenTable,
} from "./token_secret.ts";

const kubeconfigFlag = {
  name: "kubeconfig",
  type: "string",
  category: "Kubeconfig",
  usage: "Server to connect to",
  placeholder: "FILE",
  env: "KUBECONFIG",
} as const satisfies FlagSpec;

const dataDir = dataDirFlag("Folder to hold state");

export const tokenFlags = [
  dataDir,
  kubeconfigFlag,
  {
    name: "description",
    type: "string",
    category: "Cluster",
    usage: "A human friendly description of how this token is used",
  },
  {
    name: "groups",
    type: "string-slice",
    split: true,
    category: "Cluster",
    usage: "Extra groups that this token will authenticate as when used for authentication",
    default: [DEFAULT_GROUP],
  },
  {
    name: "ttl",
    type: "duration",
    category: "Cluster",
    usage: "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). " +
      "If set to '0', the token will never expire",
    default: 24 * 3_600_000,
  },
  {
    name: "usages",
    type: "string-slice",
    split: true,
    category: "Cluster",
    usage: "Describes the ways in which this token can be used.",
    default: [...KNOWN_USAGES],
  },
  {
    name: "output",
    short: "o",
    type: "string",
    category: "Config",
    usage: "Output format. Valid options: text, json, yaml",
    default: "text",
    choices: ["text", "json", "yaml"],
  },
] as const satisfies readonly FlagSpec[];

const SUBCOMMANDS: Record<string, SubcommandSpec> = {
  create: {
    usage: "Create bootstrap tokens on the server",
    flags: ["data-dir", "kubeconfig", "description", "groups", "ttl", "usages"],
  },
  delete: { usage: "Delete bootstrap tokens on the server", flags: ["data-dir", "kubeconfig"] },
  generate: {
    usage: "Generate and print a bootstrap token, but do not create it on the server",
    flags: ["data-dir"],
  },
  list: {
    usage: "List bootstrap tokens on the server",
    flags: ["data-dir", "kubeconfig", "output"],
  },
  rotate: {
    usage: "Rotate original server token with a new server token",
    flags: ["data-dir", "kubeconfig"],
  },
};

const GROUP: SubcommandGroup = {
  name: "token",
  summary: "Manage bootstrap tokens",
  subcommands: SUBCOMMANDS,
  flags: tokenFlags,
};

/** Where output goes and what the commands call, replaceable in tests. */
export interface TokenIo {
  print(text: string): void;
  now(): Date;
  exists(path: string): boolean;
}

const processIo: TokenIo = {
  print: (text) => console.log(text),
  now: () => new Date(),
  exists: existsSync,
};

/** Splits flags (with their values) from positional arguments, which `parseArgv` refuses. */
function splitArgs(flags: readonly FlagSpec[], argv: readonly string[]) {
  const flagWords: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith("-") || word === "-") {
      positional.push(word);
      continue;
    }
    flagWords.push(word);
    const name = word.replace(/^--?/, "").split("=")[0];
    const flag = findFlag(flags, name);
    if (flag && flag.type !== "bool" && !word.includes("=") && i + 1 < argv.length) {
      flagWords.push(argv[++i]);
    }
  }
  return { flagWords, positional };
}

/** Runs `k3s token <args>`; resolves to the exit code. */
export async function runTokenCommand(
  args: readonly string[],
  env: Env,
  io: TokenIo = processIo,
): Promise<number> {
  const selected = selectSubcommand(GROUP, args);
  if (selected.help !== undefined) {
    io.print(selected.help);
    return 0;
  }
  const { sub, rest } = selected;
  const { flagWords, positional } = splitArgs(selected.flags, rest);
  const words = parseSubcommandFlags(selected, flagWords);
  if (words.help !== undefined) {
    io.print(words.help);
    return 0;
  }
  const parsed = words.parsed;
  const config = resolveFlags(tokenFlags, parsed, new Map(), env);
  switch (sub) {
    case "generate":
      io.print(generateToken());
      return 0;
    case "rotate":
      throw new CliError("not-implemented", '"k3s token rotate" is not implemented yet');
  }
  const target = await loadKubeconfig(kubeconfigPath(config.kubeconfig, config.dataDir, io));
  switch (sub) {
    case "create":
      return await create(target, positional, config, io);
    case "delete":
      return await remove(target, positional, io);
    default:
      return await list(target, config.output, io);
  }
}

/** `--kubeconfig`/`$KUBECONFIG`, else `<data-dir>/server/cred/admin.kubeconfig`, else k3s.yaml. */
export function kubeconfigPath(flag: string | undefined, dir: string, io: TokenIo): string {
  if (flag) return flag;
  const underDataDir = join(dir, "server", "cred", "admin.kubeconfig");
  return io.exists(underDataDir) ? underDataDir : adminKubeconfig;
}

const SECRETS = "/api/v1/namespaces/kube-system/secrets";

/** The message of a Kubernetes `Status` body, or the HTTP status. */
function failure(status: number, body: string): string {
  try {
    const s = JSON.parse(body);
    if (typeof s.message === "string") return s.message;
  } catch {
    // not a Status
  }
  return `the server answered ${status}`;
}

async function create(
  target: Target,
  positional: string[],
  config: {
    description?: string;
    groups: readonly string[];
    ttl: number;
    usages: readonly string[];
  },
  io: TokenIo,
): Promise<number> {
  if (positional.length > 1) {
    throw new CliError("unexpected-argument", `unexpected argument "${positional[1]}"`);
  }
  const token = positional[0] ?? generateToken();
  const { id } = parseBootstrapToken(token);
  const wanted = {
    token,
    description: config.description ?? "",
    ttlMs: config.ttl,
    usages: config.usages,
    groups: config.groups,
  };
  checkNewToken(wanted);
  const existing = await requestWith(target, "GET", `${SECRETS}/bootstrap-token-${id}`);
  if (existing.status === 200) throw new Error(`a token with id "${id}" already exists`);
  const res = await requestWith(target, "POST", SECRETS, { body: tokenSecret(wanted, io.now()) });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`Cannot create bootstrap token: ${failure(res.status, res.body)}`);
  }
  if (!target.caPem) throw new Error("Cannot format the token: the kubeconfig has no CA data");
  io.print(`K10${caHashOf(target.caPem)}::${token}`);
  return 0;
}

async function remove(target: Target, positional: string[], io: TokenIo): Promise<number> {
  if (positional.length === 0) {
    throw new CliError("required", "missing argument; 'token delete' is missing token");
  }
  for (const arg of positional) {
    let id = arg;
    if (!TOKEN_ID_PATTERN.test(arg)) {
      const bootstrap = (() => {
        try {
          return parseToken(arg).bootstrap;
        } catch {
          return undefined;
        }
      })();
      if (!bootstrap) {
        throw new Error(
          `given token didn't match pattern "[a-z0-9]{6}" or "[a-z0-9]{6}\\.[a-z0-9]{16}"`,
        );
      }
      id = bootstrap.id;
    }
    const res = await requestWith(target, "DELETE", `${SECRETS}/bootstrap-token-${id}`);
    if (res.status !== 200 && res.status !== 202) {
      throw new Error(`failed to delete bootstrap token "${id}": ${failure(res.status, res.body)}`);
    }
    io.print(`bootstrap token "${id}" deleted`);
  }
  return 0;
}

async function list(target: Target, output: string, io: TokenIo): Promise<number> {
  const res = await requestWith(target, "GET", SECRETS);
  if (res.status !== 200) {
    throw new Error(`failed to list bootstrap tokens: ${failure(res.status, res.body)}`);
  }
  const items = (JSON.parse(res.body).items ?? []) as Record<string, unknown>[];
  const tokens: BootstrapToken[] = [];
  for (const secret of items.filter((s) => s.type === SECRET_TYPE)) {
    try {
      tokens.push(tokenFromSecret(secret));
    } catch (err) {
      console.error((err as Error).message);
    }
  }
  if (output === "json") io.print(JSON.stringify(tokens));
  else if (output === "yaml") io.print(toYaml(tokens).trimEnd());
  else io.print(tokenTable(tokens, io.now()).trimEnd());
  return 0;
}
