/**
 * Auditing of the API server from `--kube-apiserver-arg`: `audit-policy-file` (an
 * `audit.k8s.io/v1` Policy) and `audit-log-path` (a file or `-`) with `audit-log-maxsize`,
 * `audit-log-maxbackup` and `audit-log-maxage`. As in kube-apiserver, a log path without a policy
 * audits nothing; a policy that cannot be read or is invalid stops the server, naming the file.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { ApiserverArgs } from "../apiserver_args.ts";
import { AuditLogFile } from "./log_file.ts";
import { AuditPolicy } from "./policy.ts";
import type { Auditor } from "./trail.ts";

export { AuditPolicy } from "./policy.ts";
export { AuditLogFile } from "./log_file.ts";
export { type AuditEvent, type Auditor, AuditTrail } from "./trail.ts";

/** A configured auditor and the log it writes, to close at shutdown. */
export interface AuditSetup {
  auditor: Auditor;
  close(): Promise<void>;
}

/** Reads and checks a policy file; the error names the file and every problem. */
export async function loadAuditPolicy(path: string): Promise<AuditPolicy> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`Cannot load audit policy file ${path}: ${(err as Error).message}`);
  }
  try {
    return AuditPolicy.parse(text);
  } catch (err) {
    throw new Error(`Cannot load audit policy file ${path}: ${(err as Error).message}`);
  }
}

/** The auditor the flags ask for, or null (with the reason in `warn`) when none. */
export async function auditFromArgs(
  args: ApiserverArgs,
  warn: (message: string) => void,
): Promise<AuditSetup | null> {
  const path = args.last("audit-log-path");
  const policyFile = args.last("audit-policy-file");
  const format = args.last("audit-log-format") ?? "json";
  if (format !== "json") throw args.invalid("audit-log-format", format, "only json is supported");
  const maxSizeMb = args.int("audit-log-maxsize", 0);
  const maxBackups = args.int("audit-log-maxbackup", 0);
  const maxAgeDays = args.int("audit-log-maxage", 0);
  const policy = policyFile ? await loadAuditPolicy(policyFile) : null;
  if (!path) {
    if (policy) warn("audit-policy-file is set without audit-log-path: no audit log is written");
    return null;
  }
  if (!policy) {
    warn("audit-log-path is set without audit-policy-file: no events are audited");
    return null;
  }
  let log: AuditLogFile;
  try {
    log = await AuditLogFile.open({ path, maxSizeMb, maxBackups, maxAgeDays });
  } catch (err) {
    throw new Error(`Cannot open audit log ${path}: ${(err as Error).message}`);
  }
  return { auditor: { policy, sink: log }, close: () => log.close() };
}
