import assert from "node:assert/strict";
import type { CheckedCertificate } from "../server/pki/check.ts";
import {
  alignColumns,
  goDuration,
  json,
  relativeTime,
  table,
  tableTime,
  textLines,
  yaml,
} from "./certificate_format.ts";

const DAY = 86_400_000;
const now = new Date("2030-01-01T00:00:00Z");

function cert(status: CheckedCertificate["status"], days: number): CheckedCertificate {
  return {
    path: "/d/client-admin.crt",
    filename: "client-admin.crt",
    subject: "system:admin",
    issuer: "k3s-client-ca@1",
    usages: ["ClientAuth"],
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + days * DAY),
    serialNumber: "01",
    status,
  };
}

Deno.test("relativeTime() words a duration as go-humanize's RelTime with empty labels", () => {
  const cases: [number, string][] = [
    [0, "now"],
    [1500, "1 second "],
    [90_000, "1 minute "],
    [5 * 3_600_000, "5 hours "],
    [30 * DAY, "1 month "],
    [100 * DAY, "3 months "],
    [365 * DAY, "1 year "],
    [3650 * DAY, "10 years "],
    [-40 * DAY, "1 month "],
  ];
  for (const [ms, want] of cases) assert.equal(relativeTime(ms), want, String(ms));
});

Deno.test("goDuration() writes Go's time.Duration.String()", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [500, "500ms"],
    [1500, "1.5s"],
    [60_000, "1m0s"],
    [3_605_000, "1h0m5s"],
    [-90_000, "-1m30s"],
    [365 * DAY, "8760h0m0s"],
  ];
  for (const [ms, want] of cases) assert.equal(goDuration(ms), want, String(ms));
});

Deno.test("tableTime() and alignColumns() write Go's layout and tabwriter columns", () => {
  assert.equal(tableTime(new Date(Date.UTC(2027, 0, 2, 3, 4))), "Jan 02, 2027 03:04 UTC");
  assert.equal(alignColumns([["a", "bb", "c"], ["ccc", "d", "e"]]), "a     bb   c\nccc   d    e\n");
});

Deno.test("textLines() logs each status at its level with K3s's words", () => {
  const lines = textLines([
    cert("OK", 200),
    cert("WARNING", 10),
    cert("EXPIRED", -1),
    { ...cert("NOT YET VALID", 400), notBefore: new Date("2030-02-01T00:00:00Z") },
  ]);
  const what = "client-admin.crt: certificate system:admin (ClientAuth)";
  assert.deepEqual(lines, [
    { level: "INFO", message: `${what} is ok, expires at 2030-07-20T00:00:00Z` },
    { level: "WARN", message: `${what} will expire within 120 days at 2030-01-11T00:00:00Z` },
    { level: "ERROR", message: `${what} expired at 2029-12-31T00:00:00Z` },
    { level: "ERROR", message: `${what} is not valid before 2030-02-01T00:00:00Z` },
  ]);
});

Deno.test("table(), json() and yaml() carry the same certificate", () => {
  const c = cert("WARNING", 10);
  assert.equal(
    table([c], now),
    "\nFILENAME           SUBJECT        USAGES       EXPIRES                  RESIDUAL TIME   STATUS\n" +
      "--------           -------        ------       -------                  -------------   ------\n" +
      "client-admin.crt   system:admin   ClientAuth   Jan 11, 2030 00:00 UTC   1 week          WARNING\n",
  );
  assert.deepEqual(JSON.parse(json([c], now)), {
    Certificates: [{
      Filename: "client-admin.crt",
      Subject: "system:admin",
      Issuer: "k3s-client-ca@1",
      Usages: ["ClientAuth"],
      ExpiryTime: "2030-01-11T00:00:00Z",
      ResidualTime: 10 * DAY * 1_000_000,
      Status: "WARNING",
    }],
  });
  assert.equal(json([], now), '{"Certificates":null}\n');
  assert.equal(
    yaml([c], now),
    "certificates:\n- filename: client-admin.crt\n  subject: system:admin\n" +
      "  issuer: k3s-client-ca@1\n  usages:\n  - ClientAuth\n  expirytime: 2030-01-11T00:00:00Z\n" +
      "  residualtime: 240h0m0s\n  status: WARNING\n",
  );
});
