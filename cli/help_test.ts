import assert from "node:assert/strict";
import { agentCommand, serverCommand } from "./commands.ts";
import { commandHelp, rootHelp } from "./help.ts";

Deno.test("commandHelp() lists every flag with its aliases, default and env var", () => {
  const text = commandHelp(serverCommand);
  for (const flag of serverCommand.flags) assert.match(text, new RegExp(`--${flag.name}\\b`));
  assert.match(
    text,
    /--data-dir DIR, -d DIR +Folder to hold state \(default: "\/var\/lib\/rancher\/k3s"\) \[\$K3S_DATA_DIR\]/,
  );
  assert.match(text, /--https-listen-port value +HTTPS listen port \(default: 6443\)\n/);
  assert.match(text, /--cluster-cidr value .*\(default: 10\.42\.0\.0\/16\)/);
});

Deno.test("commandHelp() groups flags under their categories, in category order", () => {
  const text = commandHelp(agentCommand);
  const headings = [...text.matchAll(/^ {3}(\S[^:\n]*):$/gm)].map((m) => m[1]);
  assert.deepEqual(headings, [
    "Config",
    "Logging",
    "Data",
    "Cluster",
    "Agent/Node",
    "Agent/Runtime",
    "Agent/Networking",
    "Agent/Flags",
  ]);
  assert.match(text, /Cluster:\n +--token value, -t value .*\[\$K3S_TOKEN\]/);
});

Deno.test("rootHelp() lists the commands and global options", () => {
  const text = rootHelp();
  for (const name of ["server", "agent", "kubectl", "token", "etcd-snapshot", "completion"]) {
    assert.match(text, new RegExp(`^ {3}${name} `, "m"));
  }
  assert.match(text, /--version, -v +print the version/);
});
