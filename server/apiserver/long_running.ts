/**
 * Which requests are long-running, as upstream's `BasicLongRunningRequestCheck` with kube-apiserver's
 * sets: the `watch` and `proxy` verbs, and the `attach`, `exec`, `proxy`, `log` and `portforward`
 * subresources. Audit reports them as started and completed; flow control does not count them.
 *
 * @module
 */
import type { RequestInfo } from "./request_info.ts";

const LONG_RUNNING_VERBS = new Set(["watch", "proxy"]);
const LONG_RUNNING_SUBRESOURCES = new Set(["attach", "exec", "proxy", "log", "portforward"]);

export function isLongRunning(info: RequestInfo): boolean {
  if (!info.isResourceRequest) return false;
  return LONG_RUNNING_VERBS.has(info.verb) || LONG_RUNNING_SUBRESOURCES.has(info.subresource);
}
