/**
 * ServiceAccount admission (upstream `plugin/pkg/admission/serviceaccount`): a new pod runs as
 * `default` unless it names a service account, the account must exist, its image pull secrets
 * are copied when the pod has none, and a projected `kube-api-access-xxxxx` volume (a bound
 * token, the cluster CA and the namespace) is mounted at
 * `/var/run/secrets/kubernetes.io/serviceaccount` in every container unless automounting is off.
 *
 * @module
 */
import type { AdmissionAttributes, AdmissionPlugin } from "../app.ts";
import type { Registry } from "../registry.ts";
import { admissionForbidden, child, isPod, obj, objs, str } from "./attributes.ts";

export const DEFAULT_SERVICE_ACCOUNT = "default";
export const TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
export const TOKEN_VOLUME_PREFIX = "kube-api-access-";
/** A bound token lives an hour and 7 seconds, so kubelets can tell it from a legacy one. */
export const TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
const ENFORCE_MOUNTABLE_SECRETS = "kubernetes.io/enforce-mountable-secrets";

/** Upstream's name generator alphabet (no vowels, no look-alike digits). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export interface ServiceAccountOptions {
  /** Random suffixes for token volumes (tests pin it). */
  random?: () => number;
  /** Waits between lookups of a `default` account not created yet (tests shorten it). */
  retryDelayMs?: number;
  /**
   * Admit pods using a `default` account that does not exist, as if it did (a server with no
   * controller creating the account in each namespace yet). Other accounts must exist.
   */
  allowMissingDefault?: boolean;
}

export function serviceAccount(
  registry: Registry,
  opts: ServiceAccountOptions = {},
): AdmissionPlugin {
  const random = opts.random ?? Math.random;
  const delay = opts.retryDelayMs ?? 100;
  const suffix = () =>
    Array.from({ length: 5 }, () => NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)])
      .join("");

  /**
   * The account, or null. The `default` account is made by a controller just after its
   * namespace, so a miss is retried for about a second, as upstream does.
   */
  async function lookup(ns: string, name: string): Promise<Record<string, unknown> | null> {
    const attempts = name === DEFAULT_SERVICE_ACCOUNT && !opts.allowMissingDefault ? 10 : 1;
    const store = registry.store("", "serviceaccounts");
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, delay + Math.floor(random() * delay)));
      const found = await store.tryGet(ns, name);
      if (found) return found.obj as Record<string, unknown>;
    }
    return null;
  }

  let warned = false;
  async function account(attrs: AdmissionAttributes, name: string) {
    const ns = attrs.ctx.info.namespace;
    const sa = await lookup(ns, name);
    if (!sa && name === DEFAULT_SERVICE_ACCOUNT && opts.allowMissingDefault) {
      if (!warned) {
        console.warn(
          `ServiceAccount admission: admitting pods of namespace ${ns} without their "default" service account, which no controller has created`,
        );
        warned = true;
      }
      return { metadata: { name, namespace: ns } };
    }
    if (!sa) {
      throw admissionForbidden(
        attrs,
        `error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`,
      );
    }
    return sa;
  }

  return {
    name: "ServiceAccount",
    async admit(attrs) {
      if (!isPod(attrs) || attrs.operation !== "CREATE") return;
      const pod = attrs.object!;
      const spec = child(pod, "spec");
      if (isMirrorPod(pod)) return;
      if (!str(spec.serviceAccountName)) {
        spec.serviceAccountName = str(spec.serviceAccount) || DEFAULT_SERVICE_ACCOUNT;
      }
      const sa = await account(attrs, str(spec.serviceAccountName));
      if (shouldAutomount(sa, spec)) mountToken(spec, () => TOKEN_VOLUME_PREFIX + suffix());
      if (objs(spec.imagePullSecrets).length === 0) {
        const secrets = objs(sa.imagePullSecrets).map((s) => ({ name: str(s.name) }));
        if (secrets.length) spec.imagePullSecrets = secrets;
      }
    },
    async validate(attrs) {
      if (!isPod(attrs) || attrs.operation !== "CREATE") return;
      const pod = attrs.object!;
      const spec = obj(pod.spec) ?? {};
      if (isMirrorPod(pod)) return validateMirrorPod(attrs, spec);
      const name = str(spec.serviceAccountName);
      if (!name) {
        throw admissionForbidden(
          attrs,
          `no service account specified for pod ${attrs.ctx.info.namespace}/${pod.metadata.name}`,
        );
      }
      const sa = await account(attrs, name);
      if (enforcesMountableSecrets(sa)) {
        const refused = unmountableSecret(sa, spec);
        if (refused) throw admissionForbidden(attrs, refused);
      }
    },
  };
}

function isMirrorPod(pod: { metadata: { annotations?: Record<string, string> } }): boolean {
  return pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

/** Mirror pods come from a kubelet's static manifests and may use no API credentials. */
function validateMirrorPod(attrs: AdmissionAttributes, spec: Record<string, unknown>): void {
  if (str(spec.serviceAccountName)) {
    throw admissionForbidden(attrs, "a mirror pod may not reference service accounts");
  }
  if (secretNames(spec).length) {
    throw admissionForbidden(attrs, "a mirror pod may not reference secrets");
  }
  for (const v of objs(spec.volumes)) {
    if (objs(obj(v.projected)?.sources).some((s) => s.serviceAccountToken)) {
      throw admissionForbidden(
        attrs,
        "a mirror pod may not use ServiceAccountToken volume projections",
      );
    }
  }
}

/** The pod's preference wins, then the account's; the default is to mount. */
function shouldAutomount(sa: Record<string, unknown>, spec: Record<string, unknown>): boolean {
  if (typeof spec.automountServiceAccountToken === "boolean") {
    return spec.automountServiceAccountToken;
  }
  if (typeof sa.automountServiceAccountToken === "boolean") return sa.automountServiceAccountToken;
  return true;
}

/** Adds the token volume mount to every container lacking one at the token path. */
function mountToken(spec: Record<string, unknown>, newName: () => string): void {
  const existing = objs(spec.volumes).find((v) => str(v.name).startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName = existing ? str(existing.name) : newName();
  let needed = false;
  for (const c of [...objs(spec.initContainers), ...objs(spec.containers)]) {
    const mounts = objs(c.volumeMounts);
    if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [
      ...(Array.isArray(c.volumeMounts) ? c.volumeMounts : []),
      { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH },
    ];
    needed = true;
  }
  if (existing || !needed) return;
  spec.volumes = [
    ...(Array.isArray(spec.volumes) ? spec.volumes : []),
    { name: volumeName, projected: tokenVolumeSource() },
  ];
}

/** The projected sources of a token volume, as upstream's `TokenVolumeSource()`. */
export function tokenVolumeSource(): Record<string, unknown> {
  return {
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      {
        downwardAPI: {
          items: [{
            path: "namespace",
            fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" },
          }],
        },
      },
    ],
  };
}

function enforcesMountableSecrets(sa: Record<string, unknown>): boolean {
  const v = (obj(obj(sa.metadata)?.annotations) ?? {})[ENFORCE_MOUNTABLE_SECRETS];
  return typeof v === "string" && ["1", "t", "T", "true", "TRUE", "True"].includes(v);
}

/** Secret names the pod uses in volumes and environment. */
function secretNames(spec: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const v of objs(spec.volumes)) {
    const s = str(obj(v.secret)?.secretName);
    if (s) out.push(s);
    for (const src of objs(obj(v.projected)?.sources)) {
      const p = str(obj(src.secret)?.name);
      if (p) out.push(p);
    }
  }
  for (const c of [...objs(spec.initContainers), ...objs(spec.containers)]) {
    for (const e of objs(c.env)) {
      const ref = str(obj(obj(e.valueFrom)?.secretKeyRef)?.name);
      if (ref) out.push(ref);
    }
    for (const e of objs(c.envFrom)) {
      const ref = str(obj(e.secretRef)?.name);
      if (ref) out.push(ref);
    }
  }
  for (const s of objs(spec.imagePullSecrets)) if (str(s.name)) out.push(str(s.name));
  return out;
}

/** Upstream's refusal when an account enforces mountable secrets, or null. */
function unmountableSecret(sa: Record<string, unknown>, spec: Record<string, unknown>) {
  const saName = str(obj(sa.metadata)?.name);
  const mountable = new Set(objs(sa.secrets).map((s) => str(s.name)));
  for (const v of objs(spec.volumes)) {
    const s = str(obj(v.secret)?.secretName);
    if (s && !mountable.has(s)) {
      return `volume with secret.secretName="${s}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  const containers: [string, Record<string, unknown>[]][] = [
    ["init container", objs(spec.initContainers)],
    ["container", objs(spec.containers)],
  ];
  for (const [what, list] of containers) {
    for (const c of list) {
      for (const e of objs(c.env)) {
        const ref = str(obj(obj(e.valueFrom)?.secretKeyRef)?.name);
        if (ref && !mountable.has(ref)) {
          return `${what} ${str(c.name)} with envVar ${
            str(e.name)
          } referencing secret.secretName="${ref}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
    }
  }
  const pull = new Set(objs(sa.imagePullSecrets).map((s) => str(s.name)));
  let i = 0;
  for (const s of objs(spec.imagePullSecrets)) {
    if (!pull.has(str(s.name))) {
      return `imagePullSecrets[${i}].name="${
        str(s.name)
      }" is not allowed because service account ${saName} does not reference that imagePullSecret`;
    }
    i++;
  }
  return null;
}
