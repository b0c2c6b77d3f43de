/**
 * The output formats of `k3s certificate check`, as K3s prints them: `text` (one log line per
 * certificate), `table` (Go tabwriter columns with a humanized residual time), `json` and
 * `yaml` (K3s's Go field names, Go durations). Pure: the caller prints.
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import type { CheckedCertificate } from "../server/pki/check.ts";
import { RENEW_WITHIN_DAYS } from "../server/pki/cert.ts";

/** The output formats `--output` accepts. */
export const CHECK_OUTPUTS = ["text", "table", "json", "yaml"] as const;

/** A log line of the text format: its level and message. */
export interface LogLine {
  level: "INFO" | "WARN" | "ERROR";
  message: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 12 * MONTH;

// go-humanize's default magnitudes: below `below`, print `format` with the count in `unit`s.
const MAGNITUDES: readonly (readonly [number, string, number])[] = [
  [SECOND, "now", SECOND],
  [2 * SECOND, "1 second %s", 1],
  [MINUTE, "%d seconds %s", SECOND],
  [2 * MINUTE, "1 minute %s", 1],
  [HOUR, "%d minutes %s", MINUTE],
  [2 * HOUR, "1 hour %s", 1],
  [DAY, "%d hours %s", HOUR],
  [2 * DAY, "1 day %s", 1],
  [WEEK, "%d days %s", DAY],
  [2 * WEEK, "1 week %s", 1],
  [MONTH, "%d weeks %s", WEEK],
  [2 * MONTH, "1 month %s", 1],
  [YEAR, "%d months %s", MONTH],
  [18 * MONTH, "1 year %s", 1],
  [2 * YEAR, "2 years %s", 1],
  [37 * YEAR, "%d years %s", YEAR],
  [Infinity, "a long while %s", 1],
];

/**
 * A duration as go-humanize's `RelTime` with empty labels writes it (`11 months `, with the
 * space the empty label leaves), for either sign.
 */
export function relativeTime(ms: number): string {
  const diff = Math.abs(ms);
  const [, format, unit] = MAGNITUDES.find(([below]) => below > diff)!;
  return format.replace("%d", String(Math.floor(diff / unit))).replace("%s", "");
}

/** A duration in milliseconds as Go's `time.Duration.String()` writes it (`8759h59m59.5s`). */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(Math.round(ms));
  if (rest < SECOND) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const fraction = rest % SECOND;
  let seconds = String(Math.floor(rest / SECOND));
  if (fraction) seconds += "." + String(fraction).padStart(3, "0").replace(/0+$/, "");
  return sign + (hours ? `${hours}h` : "") + (hours || minutes ? `${minutes}m` : "") +
    `${seconds}s`;
}

/** Go's RFC 3339 in UTC, without fractions (`2027-01-02T03:04:05Z`). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

/** Go's RFC 3339 with nanoseconds, as JSON and YAML write a `time.Time`. */
function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => f ? `.${f}Z` : "Z");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go's `Jan 02, 2006 15:04 MST` in UTC. */
export function tableTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())}, ${date.getUTCFullYear()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}

/** The time K3s shows: when it stops being valid, or for one not valid yet, when it starts. */
function shownTime(cert: CheckedCertificate): Date {
  return cert.status === "NOT YET VALID" ? cert.notBefore : cert.notAfter;
}

/** The text format: one log line per certificate, its level by status (as K3s). */
export function textLines(certs: readonly CheckedCertificate[]): LogLine[] {
  return certs.map((cert) => {
    const what = `${cert.filename}: certificate ${cert.subject} (${cert.usages.join(",")})`;
    const at = rfc3339(shownTime(cert));
    switch (cert.status) {
      case "NOT YET VALID":
        return { level: "ERROR", message: `${what} is not valid before ${at}` };
      case "EXPIRED":
        return { level: "ERROR", message: `${what} expired at ${at}` };
      case "WARNING":
        return {
          level: "WARN",
          message: `${what} will expire within ${RENEW_WITHIN_DAYS} days at ${at}`,
        };
      default:
        return { level: "INFO", message: `${what} is ok, expires at ${at}` };
    }
  });
}

/** Rows as Go's tabwriter (padding 3, spaces) aligns them; the last column is not padded. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  return rows.map((row) =>
    row.map((cell, i) => i < row.length - 1 ? cell.padEnd(widths[i] + 3) : cell).join("")
  ).join("\n") + "\n";
}

/** The table format, starting with an empty line as K3s's does. */
export function table(certs: readonly CheckedCertificate[], now: Date): string {
  const rows = [
    ["FILENAME", "SUBJECT", "USAGES", "EXPIRES", "RESIDUAL TIME", "STATUS"],
    ["--------", "-------", "------", "-------", "-------------", "------"],
    ...certs.map((cert) => [
      cert.filename,
      cert.subject,
      cert.usages.join(","),
      tableTime(shownTime(cert)),
      relativeTime(cert.notAfter.getTime() - now.getTime()),
      cert.status,
    ]),
  ];
  return "\n" + alignColumns(rows);
}

function fields(cert: CheckedCertificate, now: Date) {
  return {
    Filename: cert.filename,
    Subject: cert.subject,
    Issuer: cert.issuer,
    Usages: cert.usages,
    ExpiryTime: rfc3339Nano(shownTime(cert)),
    residual: cert.notAfter.getTime() - now.getTime(),
    Status: cert.status,
  };
}

/** The JSON format: K3s's `CertificateInfo`, `ResidualTime` in nanoseconds as Go encodes it. */
export function json(certs: readonly CheckedCertificate[], now: Date): string {
  const list = certs.map((cert) => {
    const { residual, Status, ...rest } = fields(cert, now);
    return { ...rest, ResidualTime: residual * 1_000_000, Status };
  });
  return JSON.stringify({ Certificates: list.length ? list : null }) + "\n";
}

/** The YAML format: lower-cased field names and Go duration strings, as yaml.v2 writes them. */
export function yaml(certs: readonly CheckedCertificate[], now: Date): string {
  const list = certs.map((cert) => {
    const f = fields(cert, now);
    return {
      filename: f.Filename,
      subject: f.Subject,
      issuer: f.Issuer,
      usages: f.Usages,
      expirytime: f.ExpiryTime,
      residualtime: goDuration(f.residual),
      status: f.Status,
    };
  });
  return toYaml({ certificates: list }, { indentSeq: false });
}
