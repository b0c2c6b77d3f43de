import assert from "node:assert/strict";
import { parseArgv } from "./argv.ts";
import { serverFlags } from "./server_flags.ts";
import { assertCliError } from "./testing.ts";

const parse = (...argv: string[]) => Object.fromEntries(parseArgv(serverFlags, argv).values);

Deno.test("parseArgv() takes --flag value, --flag=value, -s value and -long value", () => {
  assert.deepEqual(
    parse("--data-dir", "/a", "--token=x=y", "-o", "/k.yaml", "-cluster-domain", "c.local"),
    {
      "data-dir": ["/a"],
      token: ["x=y"],
      "write-kubeconfig": ["/k.yaml"],
      "cluster-domain": [
        "c.local",
      ],
    },
  );
});

Deno.test("parseArgv() reads a bool as --flag or --flag=true|false, never the next word", () => {
  assert.deepEqual(parse("--disable-agent", "--cluster-init=false"), {
    "disable-agent": ["true"],
    "cluster-init": ["false"],
  });
  assertCliError(
    () => parse("--disable-agent", "false"),
    "unexpected-argument",
    'unexpected argument "false" (flags start with --)',
  );
});

Deno.test("parseArgv() collects repeated flags in order and takes a dash-led value", () => {
  assert.deepEqual(parse("--tls-san", "a", "-t", "-secret-", "--tls-san=b"), {
    "tls-san": ["a", "b"],
    token: ["-secret-"],
  });
});

Deno.test("parseArgv() rejects an unknown flag, naming it as typed", () => {
  assertCliError(() => parse("--nope=1"), "unknown-flag", "unknown flag: --nope");
  assertCliError(() => parse("-x"), "unknown-flag", "unknown flag: -x");
  assertCliError(() => parse("---x"), "unknown-flag", "unknown flag: ---x");
});

Deno.test("parseArgv() rejects a flag missing its value", () => {
  assertCliError(() => parse("--token"), "missing-value", "flag --token needs a value");
});

Deno.test("parseArgv() rejects arguments after --", () => {
  assertCliError(
    () => parse("--", "x"),
    "unexpected-argument",
    'unexpected argument "x" (flags start with --)',
  );
  assert.deepEqual(parse("--debug", "--"), { debug: ["true"] });
});

Deno.test("parseArgv() notices --help and -h anywhere", () => {
  assert.deepEqual(parseArgv(serverFlags, ["--debug", "-h"]).help, true);
  assert.deepEqual(parseArgv(serverFlags, ["--help"]).help, true);
  assert.deepEqual(parseArgv(serverFlags, ["--debug"]).help, false);
});
