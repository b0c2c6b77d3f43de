import assert from "node:assert/strict";
import { fakeFiles } from "./testing.ts";
import { gitBuildId, k3sVersion, versionText } from "./version.ts";

const commit = "0123456789abcdef0123456789abcdef01234567";

Deno.test("versionText() prints the K3s-style version and the runtime line", () => {
  assert.equal(
    versionText("01234567", "2.9.6"),
    `k3s version ${k3sVersion} (01234567)\ndeno 2.9.6\n`,
  );
  assert.match(k3sVersion, /^v1\.33\.5\+k3s1-deno$/);
});

Deno.test("gitBuildId() reads the commit of a branch, loose or packed", () => {
  const head = { "/r/.git/HEAD": "ref: refs/heads/main\n" };
  assert.equal(
    gitBuildId("/r", fakeFiles({ ...head, "/r/.git/refs/heads/main": commit })),
    "01234567",
  );
  assert.equal(
    gitBuildId(
      "/r",
      fakeFiles({ ...head, "/r/.git/packed-refs": `# pack\n${commit} refs/heads/main\n` }),
    ),
    "01234567",
  );
});

Deno.test("gitBuildId() follows a worktree's gitdir and commondir, and a detached HEAD", () => {
  const files = fakeFiles({
    "/w/.git": "gitdir: /r/.git/worktrees/w\n",
    "/r/.git/worktrees/w/HEAD": "ref: refs/heads/topic\n",
    "/r/.git/worktrees/w/commondir": "../..\n",
    "/r/.git/worktrees/w/../../refs/heads/topic": commit,
  });
  assert.equal(gitBuildId("/w", files), "01234567");
  assert.equal(gitBuildId("/d", fakeFiles({ "/d/.git/HEAD": `${commit}\n` })), "01234567");
});

Deno.test("gitBuildId() says dev outside a checkout", () => {
  assert.equal(gitBuildId("/nowhere", fakeFiles()), "dev");
});
