import assert from "node:assert/strict";
import { DEFAULT_RUNTIME_ENDPOINT, parseRuntimeEndpoint } from "./endpoint.ts";

Deno.test("parseRuntimeEndpoint() accepts unix:// URLs and bare socket paths", () => {
  assert.deepEqual(parseRuntimeEndpoint(DEFAULT_RUNTIME_ENDPOINT), {
    url: "unix:///run/k3s/containerd/containerd.sock",
    path: "/run/k3s/containerd/containerd.sock",
  });
  assert.deepEqual(parseRuntimeEndpoint(" /run/crio/crio.sock "), {
    url: "unix:///run/crio/crio.sock",
    path: "/run/crio/crio.sock",
  });
});

Deno.test("parseRuntimeEndpoint() rejects other transports and relative paths", () => {
  for (
    const value of ["tcp://127.0.0.1:1234", "npipe:////./pipe/x", "run/x.sock", "unix://x.sock"]
  ) {
    assert.throws(() => parseRuntimeEndpoint(value), {
      message: new RegExp(
        `^Cannot use container runtime endpoint "${value.replace(/[./]/g, "\\$&")}"`,
      ),
    }, value);
  }
});
