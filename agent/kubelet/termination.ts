/**
 * Termination messages: each container gets a file of the pod's directory mounted at its
 * `terminationMessagePath` (default `/dev/termination-log`); after it exits, what it wrote (at
 * most 4 KiB) becomes the `message` of its terminated state, or with
 * `terminationMessagePolicy: FallbackToLogsOnError` and a failure, the tail of its log.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { Container, Pod } from "../../kube/client/types.ts";
import type { Mount } from "../../cri/types.ts";
import {
  TERMINATION_MESSAGE_PATH_ANNOTATION,
  TERMINATION_MESSAGE_POLICY_ANNOTATION,
} from "./labels.ts";
import type { RuntimeContainer } from "./runtime_pod.ts";
import type { VolumeManager } from "./volumes/manager.ts";

const MAX_BYTES = 4096;
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2048;

function fileOf(name: string, restartCount: number): string {
  return `containers/${name}/${restartCount}`;
}

/** Creates the container's termination-log file and its mount. */
export async function terminationLogMount(
  volumes: VolumeManager,
  pod: Pod,
  container: Container,
  restartCount: number,
): Promise<Mount | undefined> {
  const target = String(container.terminationMessagePath ?? "/dev/termination-log");
  if (!target) return undefined;
  const hostPath = await volumes.writePodFile(
    pod.metadata.uid!,
    fileOf(container.name, restartCount),
    "",
  );
  return { containerPath: target, hostPath };
}

/** The termination message of an exited container ("" when none). */
export function readTerminationMessage(
  volumes: VolumeManager,
  pod: Pod,
  c: RuntimeContainer,
): string {
  let text = "";
  if (c.annotations[TERMINATION_MESSAGE_PATH_ANNOTATION]) {
    try {
      const path = `${volumes.podDir(pod.metadata.uid!)}/${fileOf(c.name, c.restartCount)}`;
      text = readFileSync(path).subarray(0, MAX_BYTES).toString();
    } catch {
      text = "";
    }
  }
  const policy = c.annotations[TERMINATION_MESSAGE_POLICY_ANNOTATION];
  if (!text && policy === "FallbackToLogsOnError" && c.exitCode !== 0 && c.logPath) {
    text = logTail(c.logPath);
  }
  return text;
}

/** The last lines of a CRI log file, without the CRI prefixes. */
function logTail(path: string): string {
  try {
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean).slice(-FALLBACK_LINES);
    const text = lines.map((l) => {
      const parts = l.split(" ");
      return parts.slice(3).join(" ") + (parts[2] === "F" ? "\n" : "");
    }).join("");
    return text.slice(-FALLBACK_BYTES);
  } catch {
    return "";
  }
}
