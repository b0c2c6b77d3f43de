/**
 * `--kube-apiserver-arg` values (`name=value`, as K3s hands them to kube-apiserver's flags): read
 * by name, and checked at start. K3s's kube-apiserver refuses a flag it does not know, so a name
 * that is no kube-apiserver flag stops the server naming it; a real kube-apiserver flag this server
 * does not implement is reported and ignored, so a K3s config carrying it still starts.
 *
 * @module
 */
import { parseGoDuration } from "./resources/batch/go_duration.ts";

/** The flags some part of this server reads. A module that reads a new one adds it here. */
export const IMPLEMENTED_APISERVER_ARGS: ReadonlySet<string> = new Set([
  // authn/options.ts
  "service-account-issuer",
  "api-audiences",
  "service-account-max-token-expiration",
  "authentication-token-webhook-config-file",
  "authentication-token-webhook-cache-ttl",
  "authentication-token-webhook-version",
  // audit/settings.ts
  "audit-log-path",
  "audit-policy-file",
  "audit-log-maxage",
  "audit-log-maxbackup",
  "audit-log-maxsize",
  "audit-log-format",
  // flowcontrol/settings.ts
  "max-requests-inflight",
  "max-mutating-requests-inflight",
  "enable-priority-and-fairness",
]);

/** Other kube-apiserver flags (upstream's `kube-apiserver --help`), accepted and ignored. */
const OTHER_UPSTREAM_ARGS = new Set(
  `
admission-control-config-file advertise-address aggregator-reject-forwarding-redirect
allow-metric-labels allow-metric-labels-manifest allow-privileged anonymous-auth
api-server-count audit-log-batch-buffer-size audit-log-batch-max-size audit-log-batch-max-wait
audit-log-batch-throttle-burst audit-log-batch-throttle-enable audit-log-batch-throttle-qps
audit-log-compress audit-log-mode audit-log-truncate-enabled audit-log-truncate-max-batch-size
audit-log-truncate-max-event-size audit-log-version audit-webhook-batch-buffer-size
audit-webhook-batch-initial-backoff audit-webhook-batch-max-size audit-webhook-batch-max-wait
audit-webhook-batch-throttle-burst audit-webhook-batch-throttle-enable
audit-webhook-batch-throttle-qps audit-webhook-config-file audit-webhook-initial-backoff
audit-webhook-mode audit-webhook-truncate-enabled audit-webhook-truncate-max-batch-size
audit-webhook-truncate-max-event-size audit-webhook-version authentication-config
authorization-config authorization-mode
authorization-policy-file authorization-webhook-cache-authorized-ttl
authorization-webhook-cache-unauthorized-ttl authorization-webhook-config-file
authorization-webhook-version bind-address cert-dir client-ca-file cloud-config cloud-provider
contention-profiling cors-allowed-origins debug-socket-path default-not-ready-toleration-seconds
default-unreachable-toleration-seconds default-watch-cache-size delete-collection-workers
disable-admission-plugins disable-http2-serving disabled-metrics egress-selector-config-file
emulated-version enable-admission-plugins enable-aggregator-routing enable-bootstrap-token-auth
enable-garbage-collector enable-logs-handler encryption-provider-config
encryption-provider-config-automatic-reload endpoint-reconciler-type etcd-cafile etcd-certfile
etcd-compaction-interval etcd-count-metric-poll-period etcd-db-metric-poll-interval
etcd-healthcheck-timeout etcd-keyfile etcd-prefix etcd-readycheck-timeout etcd-servers
etcd-servers-overrides event-ttl external-hostname feature-gates goaway-chance help
http2-max-streams-per-connection kubelet-certificate-authority kubelet-client-certificate
kubelet-client-key kubelet-preferred-address-types kubelet-timeout lease-reuse-duration-seconds
livez-grace-period log-flush-frequency log-json-info-buffer-size log-json-split-stream
log-text-info-buffer-size log-text-split-stream logging-format max-connection-bytes-per-sec
min-request-timeout oidc-ca-file oidc-client-id oidc-groups-claim oidc-groups-prefix
oidc-issuer-url oidc-required-claim oidc-signing-algs oidc-username-claim oidc-username-prefix
peer-advertise-ip peer-advertise-port peer-ca-file permit-address-sharing permit-port-sharing
profiling proxy-client-cert-file proxy-client-key-file request-timeout
requestheader-allowed-names requestheader-client-ca-file requestheader-extra-headers-prefix
requestheader-group-headers requestheader-uid-headers requestheader-username-headers
runtime-config secure-port send-retry-after-while-not-ready-seconds service-account-extend-token-expiration
service-account-jwks-uri service-account-key-file service-account-lookup
service-account-signing-endpoint service-account-signing-key-file service-cluster-ip-range
service-node-port-range show-hidden-metrics-for-version shutdown-delay-duration
shutdown-send-retry-after shutdown-watch-termination-grace-period storage-backend
storage-initialization-timeout storage-media-type strict-transport-security-directives
tls-cert-file tls-cipher-suites tls-min-version tls-private-key-file tls-sni-cert-key
token-auth-file tracing-config-file v vmodule watch-cache watch-cache-sizes
`.trim().split(/\s+/),
);

/** The parsed values of `--kube-apiserver-arg`, by flag name, repeated flags in order. */
export class ApiserverArgs {
  readonly #values = new Map<string, string[]>();

  constructor(args: readonly string[]) {
    for (const arg of args) {
      const text = arg.replace(/^--?/, "");
      const eq = text.indexOf("=");
      const key = eq < 0 ? text : text.slice(0, eq);
      const value = eq < 0 ? "true" : text.slice(eq + 1);
      this.#values.set(key, [...(this.#values.get(key) ?? []), value]);
    }
  }

  /** Flag names in the order first given. */
  names(): string[] {
    return [...this.#values.keys()];
  }

  /** Every value of a repeatable flag. */
  all(name: string): string[] {
    return this.#values.get(name) ?? [];
  }

  /** The last value given, as a flag given twice means. */
  last(name: string): string | undefined {
    return this.#values.get(name)?.at(-1);
  }

  /** A non-negative integer flag, or `fallback` when not given. */
  int(name: string, fallback: number): number {
    const text = this.last(name);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text.trim())) {
      throw this.invalid(name, text, "must be a non-negative integer");
    }
    return Number(text.trim());
  }

  /** A boolean flag (Go's strconv.ParseBool spellings), or `fallback` when not given. */
  bool(name: string, fallback: boolean): boolean {
    const text = this.last(name);
    if (text === undefined) return fallback;
    if (["1", "t", "T", "true", "TRUE", "True"].includes(text)) return true;
    if (["0", "f", "F", "false", "FALSE", "False"].includes(text)) return false;
    throw this.invalid(name, text, "must be true or false");
  }

  /** A Go duration flag (`90s`, `1h30m`) in milliseconds, or undefined when not given. */
  millis(name: string): number | undefined {
    const text = this.last(name);
    if (text === undefined) return undefined;
    try {
      return Math.floor(parseGoDuration(text));
    } catch (err) {
      throw this.invalid(name, text, (err as Error).message);
    }
  }

  /** The error for a value a flag cannot take. */
  invalid(name: string, value: string, problem: string): Error {
    return new Error(`Cannot use --kube-apiserver-arg=${name}=${value}: ${problem}`);
  }
}

/**
 * Checks every flag name: throws for a name kube-apiserver does not have, and returns one
 * warning for each real kube-apiserver flag this server ignores.
 */
export function checkApiserverArgs(args: ApiserverArgs): string[] {
  const warnings: string[] = [];
  for (const name of args.names()) {
    if (IMPLEMENTED_APISERVER_ARGS.has(name)) continue;
    if (OTHER_UPSTREAM_ARGS.has(name)) {
      warnings.push(`--kube-apiserver-arg=${name} is not supported by this server and is ignored`);
      continue;
    }
    throw new Error(
      `Cannot use --kube-apiserver-arg=${name}: kube-apiserver has no flag --${name}`,
    );
  }
  return warnings;
}
