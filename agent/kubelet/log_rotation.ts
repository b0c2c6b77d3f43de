/**
 * Container log rotation (upstream's container log manager): every 10 s, a running container's
 * CRI log file larger than `--kubelet-arg=container-log-max-size` (10Mi) is renamed to
 * `<file>.<UTC time>`, the runtime reopens the original path, and only
 * `container-log-max-files` (5) files are kept per container, oldest removed first.
 *
 * @module
 */
import { readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../../kube/client/log.ts";
import type { RuntimeService } from "../../cri/service.ts";
import type { RuntimeView } from "./runtime_pod.ts";

export interface LogRotationOptions {
  runtime: RuntimeService;
  view: RuntimeView;
  maxSize: number;
  maxFiles: number;
  log: Logger;
  now?: () => Date;
}

/** `20260101-120000` of a date, as upstream names rotated files. */
export function rotationStamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${
    p(d.getUTCMinutes())
  }${p(d.getUTCSeconds())}`;
}

export class LogRotation {
  readonly #o: LogRotationOptions;

  constructor(options: LogRotationOptions) {
    this.#o = options;
  }

  /** One pass over the running containers. */
  async rotateAll(): Promise<void> {
    for (const pod of (await this.#o.view.latest()).values()) {
      for (const c of pod.containers) {
        if (c.state !== "CONTAINER_RUNNING" || !c.logPath) continue;
        try {
          await this.rotate(c.id, c.logPath);
        } catch (error) {
          this.#o.log.warn(
            `Cannot rotate the log of container ${c.id}: ${(error as Error).message}`,
          );
        }
      }
    }
  }

  /** Rotates one container's log when it is too large; removes rotated files beyond the limit. */
  async rotate(containerId: string, path: string): Promise<boolean> {
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size <= this.#o.maxSize) return false;
    const rotated = `${path}.${rotationStamp(this.#o.now?.() ?? new Date())}`;
    await rename(path, rotated);
    await this.#o.runtime.reopenContainerLog(containerId);
    const prefix = `${basename(path)}.`;
    const old = (await readdir(dirname(path))).filter((f) => f.startsWith(prefix)).sort();
    // The current file counts as one of the kept files.
    for (const f of old.slice(0, Math.max(0, old.length - (this.#o.maxFiles - 1)))) {
      await rm(join(dirname(path), f), { force: true });
    }
    return true;
  }

  /** Runs passes every `everyMs` until `signal` aborts. */
  async run(signal: AbortSignal, everyMs = 10_000): Promise<void> {
    while (!signal.aborted) {
      await new Promise((r) => {
        const t = setTimeout(r, everyMs);
        signal.addEventListener("abort", () => {
          clearTimeout(t);
          r(undefined);
        }, { once: true });
      });
      if (!signal.aborted) await this.rotateAll().catch(() => {});
    }
  }
}
