/**
 * The one error type of the command line. Parsing throws it; `main.ts` alone prints it as
 * `Error: <message>` and exits 1.
 *
 * @module
 */

/** What went wrong, for callers (and tests) that branch on it. */
export type CliErrorKind =
  | "unknown-command"
  | "unknown-flag"
  | "missing-value"
  | "invalid-value"
  | "unexpected-argument"
  | "conflict"
  | "required"
  | "config-file"
  | "not-found"
  | "not-implemented";

/** A user mistake on the command line, in the environment or in a config file. */
export class CliError extends Error {
  override name = "CliError";

  constructor(readonly kind: CliErrorKind, message: string) {
    super(message);
  }
}

/** Where a value came from, for error messages: `` (command line), ` (from $K3S_X)`, … */
export type Origin =
  | { readonly from: "flag" }
  | { readonly from: "env"; readonly name: string }
  | { readonly from: "file"; readonly path: string };

/** ` (from $K3S_TOKEN)` or ` (from /etc/rancher/k3s/config.yaml)`; nothing for the command line. */
export function describeOrigin(origin: Origin): string {
  switch (origin.from) {
    case "flag":
      return "";
    case "env":
      return ` (from $${origin.name})`;
    case "file":
      return ` (from ${origin.path})`;
  }
}

/** `invalid value "abc" for flag --https-listen-port: must be an integer`. */
export function invalidValue(
  flagName: string,
  value: string,
  reason: string,
  origin: Origin = { from: "flag" },
): CliError {
  return new CliError(
    "invalid-value",
    `invalid value ${JSON.stringify(value)} for flag --${flagName}${
      describeOrigin(origin)
    }: ${reason}`,
  );
}
