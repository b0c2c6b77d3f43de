/**
 * Masquerading of pod traffic leaving the node's pod network, once per node (as flannel does for
 * K3s) rather than per pod: the bridge plugin's `ipMasq` adds a chain and three rules for every
 * pod and removes them again, each an `iptables` run under the xtables lock, which made up a
 * good part of a sandbox's start and serialized bursts of them.
 *
 * {@link renderMasquerade} is the pure `iptables-restore` input for the chain `K3S-POD-MASQ`: pod
 * to pod stays unchanged, everything else from the pod CIDR (multicast aside) is masqueraded,
 * which is what the bridge plugin's per-pod chains did. {@link applyMasquerade} loads it and
 * makes sure `POSTROUTING` jumps to it once.
 *
 * @module
 */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export const MASQUERADE_CHAIN = "K3S-POD-MASQ";
const COMMENT = "k3s: masquerade pod traffic leaving the pod network";

/** The `iptables-restore --noflush` input for `podCidr` (flushes and refills the chain). */
export function renderMasquerade(podCidr: string): string {
  return [
    "*nat",
    `:${MASQUERADE_CHAIN} - [0:0]`,
    `-F ${MASQUERADE_CHAIN}`,
    `-A ${MASQUERADE_CHAIN} -s ${podCidr} -d ${podCidr} -j RETURN`,
    `-A ${MASQUERADE_CHAIN} -s ${podCidr} ! -d 224.0.0.0/4 -j MASQUERADE`,
    "COMMIT",
    "",
  ].join("\n");
}

async function restore(text: string): Promise<void> {
  const child = spawn("iptables-restore", ["-w", "--noflush"], {
    stdio: ["pipe", "ignore", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (c) => err += c);
  child.stdin!.end(text);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`iptables-restore exited with ${code}: ${err.trim()}`);
}

/** Loads {@link renderMasquerade}'s rules and the `POSTROUTING` jump to them. */
export async function applyMasquerade(podCidr: string): Promise<void> {
  await restore(renderMasquerade(podCidr));
  const rule = (op: string) => [
    "-w",
    "-t",
    "nat",
    op,
    "POSTROUTING",
    "-j",
    MASQUERADE_CHAIN,
    "-m",
    "comment",
    "--comment",
    COMMENT,
  ];
  try {
    await run("iptables", rule("-C"));
  } catch {
    await run("iptables", rule("-A"));
  }
}
