/**
 * `registries.yaml` (K3s's `--private-registry`, `/etc/rancher/k3s/registries.yaml`): registry
 * mirrors and per-registry TLS and credentials, in K3s's format:
 *
 * ```yaml
 * mirrors:
 *   docker.io:
 *     endpoint: ["https://mirror.example.com"]
 *     rewrite: { "^rancher/(.*)": "mirrored/rancher/$1" }
 * configs:
 *   mirror.example.com:
 *     auth: { username: u, password: p }          # or auth: <base64>, identity_token: t
 *     tls: { ca_file: ca.pem, cert_file: c.pem, key_file: k.pem, insecure_skip_verify: false }
 * ```
 *
 * This file only reads and checks it; `hosts.ts` turns it into containerd's `hosts.toml` files.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";

export interface RegistryMirror {
  /** Endpoints tried in order (`https://host[:port][/path]`, a bare `host[:port]` works too). */
  endpoint: string[];
  /** Repository rewrites, regular expression to replacement. */
  rewrite: Record<string, string>;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 `user:password`. */
  auth?: string;
  identityToken?: string;
}

export interface RegistryTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecureSkipVerify?: boolean;
}

export interface RegistryConfig {
  auth?: RegistryAuth;
  tls?: RegistryTls;
}

export interface Registries {
  /** By registry host (`docker.io`, `registry.example.com:5000`, `*` for every registry). */
  mirrors: Record<string, RegistryMirror>;
  configs: Record<string, RegistryConfig>;
}

/** Reads `path`; a missing file is an empty configuration (no mirrors, no configs). */
export async function loadRegistries(path: string): Promise<Registries> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { mirrors: {}, configs: {} };
    throw new Error(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseRegistries(text, path);
}

/** Parses the text of a registries file; `source` names it in errors. */
export function parseRegistries(text: string, source = "registries.yaml"): Registries {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new Error(`Cannot read ${source}: ${(error as Error).message}`, { cause: error });
  }
  const fail = (path: string, what: string): never => {
    throw new Error(`Cannot read ${source}: ${path} must be ${what}`);
  };
  const top = mapping(document ?? {}, "the document", fail);
  const registries: Registries = { mirrors: {}, configs: {} };
  for (const [host, value] of Object.entries(mapping(top.mirrors ?? {}, "mirrors", fail))) {
    const mirror = mapping(value ?? {}, `mirrors.${host}`, fail);
    const endpoint = mirror.endpoint ?? [];
    if (!Array.isArray(endpoint) || endpoint.some((e) => typeof e !== "string")) {
      fail(`mirrors.${host}.endpoint`, "a list of strings");
    }
    const rewrite = strings(mirror.rewrite ?? {}, `mirrors.${host}.rewrite`, fail);
    registries.mirrors[host] = { endpoint: endpoint as string[], rewrite };
  }
  for (const [host, value] of Object.entries(mapping(top.configs ?? {}, "configs", fail))) {
    const config = mapping(value ?? {}, `configs.${host}`, fail);
    const entry: RegistryConfig = {};
    if (config.auth != null) {
      const auth = strings(config.auth, `configs.${host}.auth`, fail);
      entry.auth = omitEmpty({
        username: auth.username,
        password: auth.password,
        auth: auth.auth,
        identityToken: auth.identity_token,
      });
    }
    if (config.tls != null) {
      const tls = mapping(config.tls, `configs.${host}.tls`, fail);
      const skip = tls.insecure_skip_verify;
      if (skip !== undefined && typeof skip !== "boolean") {
        fail(`configs.${host}.tls.insecure_skip_verify`, "true or false");
      }
      const files = strings(
        { ca_file: tls.ca_file, cert_file: tls.cert_file, key_file: tls.key_file },
        `configs.${host}.tls`,
        fail,
      );
      entry.tls = omitEmpty({
        caFile: files.ca_file,
        certFile: files.cert_file,
        keyFile: files.key_file,
        insecureSkipVerify: skip as boolean | undefined,
      });
    }
    registries.configs[host] = entry;
  }
  return registries;
}

type Fail = (path: string, what: string) => never;

function mapping(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(path, "a mapping");
  }
  return value as Record<string, unknown>;
}

/** A mapping of strings; absent (undefined or null) members are dropped. */
function strings(value: unknown, path: string, fail: Fail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(mapping(value, path, fail))) {
    if (item == null) continue;
    if (typeof item !== "string") fail(`${path}.${key}`, "a string");
    out[key] = item as string;
  }
  return out;
}

function omitEmpty<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined && item !== "") out[key] = item;
  }
  return out as T;
}
