/**
 * The PKI of a first start is made by a short-lived child process. Making it loads `@peculiar/x509` and
 * generates a dozen keys, which leaves about 5 MB in the process that did it, for good: an idle
 * server held 86 MB after a first start and 81 MB when the files already existed. (A worker does
 * not help: its isolate goes, but the native memory it used stays with the process.) This process
 * then only reads the files.
 *
 * The program lives beside k3s's main module (`server/pki/pki_program.ts` under the sources,
 * `server/pki/pki_program.js` in the build). Where it is not there (the single-file bundle, a
 * compiled executable, `deno test`) or cannot run, the PKI is made in this process, as on later
 * starts.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadOrCreatePki, type Pki, type PkiOptions } from "./pki.ts";
import type { PkiOptionsJson, PkiProgramReply } from "./pki_program.ts";

/** The part of `k3s server`'s configuration the PKI is made from. */
export interface PkiConfig {
  readonly dataDir: string;
  readonly nodeIp?: readonly string[];
  readonly tlsSan?: readonly string[];
  readonly serviceCidr: readonly string[];
  readonly clusterDomain: string;
}

/** The PKI options of a server configuration (K3s's defaults for what is not set). */
export function pkiOptions(config: PkiConfig): PkiOptions {
  return {
    dataDir: config.dataDir,
    nodeIps: config.nodeIp?.length ? [...config.nodeIp] : ["127.0.0.1"],
    tlsSans: [...(config.tlsSan ?? [])],
    serviceCidr: config.serviceCidr[0] ?? "10.43.0.0/16",
    clusterDomain: config.clusterDomain,
  };
}

/** A loaded PKI, and whether a child process made this start's files. */
export interface IsolatedPki extends Pki {
  madeByChild: boolean;
}

/**
 * {@linkcode loadOrCreatePki}, with a first start's files made by a child process where the
 * program for it is on disk. A child that cannot run (no answer on stdout) leaves the work to
 * this process; an error the child reports is thrown.
 */
export async function loadOrCreatePkiIsolated(
  options: PkiOptions,
  mainModule: string = Deno.mainModule,
): Promise<IsolatedPki> {
  const firstStart = !existsSync(join(options.dataDir, "server", "tls", "server-ca.crt"));
  // A compiled executable runs no deno subcommands: it makes the PKI itself.
  const program = firstStart && !Deno.build.standalone ? pkiProgram(mainModule) : null;
  const written = program ? await runPkiProgram(program, options) : null;
  const pki = await loadOrCreatePki(options);
  // Everything the child wrote is on disk now, and what it wrote is what this start wrote.
  return written ? { ...pki, written, madeByChild: true } : { ...pki, madeByChild: false };
}

/** How to run the PKI program beside `mainModule`, when it exists; else null. */
export function pkiProgram(mainModule: string): string[] | null {
  const main = new URL(mainModule);
  if (main.protocol !== "file:") return null;
  if (main.pathname.endsWith(".ts")) {
    // The sources: the child needs the checkout's deno.json for its imports.
    const program = new URL("server/pki/pki_program.ts", main);
    const config = new URL("deno.json", main);
    return existsSync(program) && existsSync(config)
      ? [`--config=${config.pathname}`, program.href]
      : null;
  }
  const program = new URL("server/pki/pki_program.js", main);
  return existsSync(program) ? [program.href] : null;
}

/**
 * Makes the PKI in a child process; returns the files it wrote, or null when the child gave no
 * answer (it could not start, or died).
 */
async function runPkiProgram(program: string[], options: PkiOptions): Promise<string[] | null> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-code-cache", "--quiet", ...program],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
  } catch {
    return null;
  }
  const json: PkiOptionsJson = { ...options, now: options.now?.toISOString() };
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(json))).catch(() => {});
  await writer.close().catch(() => {});
  const { stdout } = await child.output();
  let reply: PkiProgramReply;
  try {
    reply = JSON.parse(new TextDecoder().decode(stdout)) as PkiProgramReply;
  } catch {
    return null;
  }
  if (!reply.ok) throw new Error(reply.message);
  return reply.written;
}
