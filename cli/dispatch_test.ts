import assert from "node:assert/strict";
import { serverCommand } from "./commands.ts";
import { dispatchAgent, embeddedAgentConfig } from "./dispatch.ts";
import { loadConfig } from "./load.ts";
import { fakeFiles } from "./testing.ts";

function serverConfig(argv: string[]) {
  const loaded = loadConfig(serverCommand, argv, {}, fakeFiles());
  if (loaded.kind !== "run") throw new Error("expected a config");
  return loaded.config;
}

Deno.test("embeddedAgentConfig() shares the server's node flags and joins it over loopback", () => {
  const server = serverConfig([
    "--https-listen-port=7443",
    "--data-dir=/tmp/k3s",
    "--node-label=a=1",
    "--token-file=/t",
    "--snapshotter=native",
  ]);
  const agent = embeddedAgentConfig(server, "K10abc::server:secret");
  assert.equal(agent.server, "https://127.0.0.1:7443");
  assert.equal(agent.token, "K10abc::server:secret");
  assert.equal(agent.tokenFile, undefined);
  assert.equal(agent.dataDir, "/tmp/k3s");
  assert.deepEqual(agent.nodeLabel, ["a=1"]);
  assert.equal(agent.snapshotter, "native");
  assert.equal(agent.pauseImage, "rancher/mirrored-pause:3.6");
  assert.equal("httpsListenPort" in agent, false);
});

Deno.test("dispatchAgent() runs the agent, which refuses a config without a server", async () => {
  const agent = { ...embeddedAgentConfig(serverConfig([]), "t"), server: undefined };
  await assert.rejects(dispatchAgent(agent), /--server is required/);
});
