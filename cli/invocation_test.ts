import assert from "node:assert/strict";
import { parseInvocation } from "./invocation.ts";
import { assertCliError, fakeFiles } from "./testing.ts";

const parse = (...argv: string[]) => parseInvocation(argv, {}, fakeFiles());

Deno.test("parseInvocation() answers --version and -v", () => {
  assert.deepEqual(parse("--version"), { kind: "version" });
  assert.deepEqual(parse("-v", "server"), { kind: "version" });
});

Deno.test("parseInvocation() shows root help for no arguments, --help and help", () => {
  for (const argv of [[], ["--help"], ["-h"], ["help"]]) {
    const result = parse(...argv);
    assert.equal(result.kind, "help");
    assert.match(
      result.kind === "help" ? result.text : "",
      /COMMANDS:\n\s+server\s+Run management/,
    );
  }
});

Deno.test("parseInvocation() shows a command's help for `help <command>` and `<command> -h`", () => {
  for (const argv of [["help", "agent"], ["agent", "-h"], ["agent", "--help"]]) {
    const result = parse(...argv);
    assert.equal(result.kind, "help");
    assert.match(result.kind === "help" ? result.text : "", /k3s agent - Run node agent/);
  }
});

Deno.test("parseInvocation() loads server and agent configs", () => {
  const server = parse("server", "--https-listen-port", "7443");
  assert.equal(server.kind === "server" && server.config.httpsListenPort, 7443);
  const agent = parse("agent", "-s", "https://s:6443", "-t", "x");
  assert.equal(agent.kind === "agent" && agent.config.token, "x");
});

Deno.test("parseInvocation() takes a root --debug for the command", () => {
  const result = parse("--debug", "server");
  assert.equal(result.kind === "server" && result.config.debug, true);
  assertCliError(() => parse("--bogus", "server"), "unknown-flag", "unknown flag: --bogus");
});

Deno.test("parseInvocation() passes every kubectl argument through untouched", () => {
  assert.deepEqual(parse("kubectl", "get", "pods", "--help", "-v=9"), {
    kind: "kubectl",
    args: ["get", "pods", "--help", "-v=9"],
  });
});

Deno.test("parseInvocation() says which commands are not implemented yet", () => {
  for (const name of ["etcd-snapshot", "check-config"]) {
    assertCliError(
      () => parse(name, "--help"),
      "not-implemented",
      `"k3s ${name}" is not implemented yet`,
    );
  }
  assertCliError(
    () => parse("help", "completion"),
    "not-implemented",
    '"k3s completion" is not implemented yet',
  );
});

Deno.test("parseInvocation() rejects an unknown command", () => {
  assertCliError(
    () => parse("serve"),
    "unknown-command",
    'unknown command "serve" (run "k3s --help" for the list)',
  );
});
