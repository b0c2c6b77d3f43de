/**
 * `k3s certificate check|rotate|rotate-ca`: the component certificates on disk, as K3s manages
 * them. `check` reports each certificate of the chosen services (all by default: server and
 * agent services on a server, agent services where there is no `<data-dir>/server`); `rotate`,
 * meant to run while k3s is stopped, backs the files up to `tls-<unix time>/` and removes the
 * services' certificates and keys so the next start issues new ones from the same CAs.
 * Log lines go to stderr (K3s logs them); `--output table|json|yaml` data goes to stdout.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { checkCertificateFiles } from "../server/pki/check.ts";
import { backupCertificates, removeFiles } from "../server/pki/rotate.ts";
import {
  AGENT_SERVICES,
  ALL_SERVICES,
  filesForServices,
  isService,
  type Service,
} from "../server/pki/services.ts";
import { CHECK_OUTPUTS, json, type LogLine, table, textLines, yaml } from "./certificate_format.ts";
import { dataDirFlag } from "./common_flags.ts";
import { CliError } from "./errors.ts";
import type { FlagSpec } from "./flag.ts";
import { type Env, resolveFlags } from "./resolve.ts";
import {
  parseSubcommandFlags,
  selectSubcommand,
  type SubcommandGroup,
  type SubcommandSpec,
} from "./subcommands.ts";

export const certificateFlags = [
  dataDirFlag("Folder to hold state"),
  {
    name: "service",
    short: "s",
    type: "string-slice",
    split: true,
    category: "Config",
    usage: `List of services to manage certificates for. Options include (${
      ALL_SERVICES.join(", ")
    })`,
  },
  {
    name: "output",
    short: "o",
    type: "string",
    category: "Config",
    usage: `Format output. Options: ${CHECK_OUTPUTS.join(", ")}`,
    default: "text",
    choices: CHECK_OUTPUTS,
  },
] as const satisfies readonly FlagSpec[];

const SUBCOMMANDS: Record<string, SubcommandSpec> = {
  check: {
    usage: "Check k3s component certificates on disk",
    flags: ["data-dir", "service", "output"],
  },
  rotate: { usage: "Rotate k3s component certificates on disk", flags: ["data-dir", "service"] },
  "rotate-ca": {
    usage: "Write updated k3s CA certificates to the datastore (not implemented yet)",
    flags: [],
  },
};

const GROUP: SubcommandGroup = {
  name: "certificate",
  summary: "Manage K3s certificates",
  subcommands: SUBCOMMANDS,
  flags: certificateFlags,
};

/** Where output goes, replaceable in tests. */
export interface CertificateIo {
  /** Data (table, JSON, YAML) to stdout. */
  print(text: string): void;
  /** A log line to stderr. */
  log(line: LogLine): void;
  now(): Date;
}

const processIo: CertificateIo = {
  print: (text) => console.log(text.replace(/\n$/, "")),
  log: ({ level, message }) =>
    console.error(`${new Date().toISOString()} ${level} [certificate] ${message}`),
  now: () => new Date(),
};

/** Runs `k3s certificate <args>`; resolves to the exit code. */
export async function runCertificateCommand(
  args: readonly string[],
  env: Env,
  io: CertificateIo = processIo,
): Promise<number> {
  const selected = selectSubcommand(GROUP, args);
  if (selected.help !== undefined) {
    io.print(selected.help);
    return 0;
  }
  const { sub, rest } = selected;
  if (sub === "rotate-ca") {
    throw new CliError("not-implemented", '"k3s certificate rotate-ca" is not implemented yet');
  }
  const words = parseSubcommandFlags(selected, rest);
  if (words.help !== undefined) {
    io.print(words.help);
    return 0;
  }
  const parsed = words.parsed;
  const config = resolveFlags(certificateFlags, parsed, new Map(), env);
  const verb = sub === "check" ? "checking" : "rotating";
  const services = await chosenServices(config.dataDir, config.service, verb, io);
  const fileMap = filesForServices(config.dataDir, services);
  if (sub === "check") return await check([...fileMap.values()].flat(), config.output, io);
  return await rotate(config.dataDir, fileMap, io);
}

/**
 * The `--service` names, checked; without any, every service on a server and the agent ones
 * where `<data-dir>/server` does not exist (as K3s decides).
 */
async function chosenServices(
  dataDir: string,
  names: readonly string[],
  verb: string,
  io: CertificateIo,
): Promise<Service[]> {
  if (names.length) {
    for (const name of names) {
      if (!isService(name)) {
        throw new CliError(
          "invalid-value",
          `service ${name} is not recognized (valid services: ${ALL_SERVICES.join(", ")})`,
        );
      }
    }
    return [...new Set(names as Service[])];
  }
  const server = await stat(join(dataDir, "server")).then(() => true, (e) => {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new Error(`Cannot read ${join(dataDir, "server")}: ${(e as Error).message}`);
  });
  if (!server) {
    io.log({ level: "INFO", message: `Agent detected, ${verb} agent certificates` });
    return [...AGENT_SERVICES];
  }
  io.log({ level: "INFO", message: `Server detected, ${verb} agent and server certificates` });
  return [...ALL_SERVICES];
}

async function check(files: string[], output: string, io: CertificateIo): Promise<number> {
  const now = io.now();
  const certs = await checkCertificateFiles(files, now);
  switch (output) {
    case "table":
      io.print(table(certs, now));
      break;
    case "json":
      io.print(json(certs, now));
      break;
    case "yaml":
      io.print(yaml(certs, now));
      break;
    default:
      for (const line of textLines(certs)) io.log(line);
  }
  return 0;
}

async function rotate(
  dataDir: string,
  fileMap: Map<Service, string[]>,
  io: CertificateIo,
): Promise<number> {
  const backupDir = await backupCertificates(dataDir, [...fileMap.values()].flat(), io.now());
  for (const [service, files] of fileMap) {
    io.log({ level: "INFO", message: `Rotating certificates for ${service}` });
    await removeFiles(files);
  }
  io.log({
    level: "INFO",
    message: `Successfully backed up certificates to ${backupDir}, ` +
      "please restart k3s server or agent to rotate certificates",
  });
  return 0;
}
