/**
 * The Pod Security Standards as upstream's `pod-security-admission/policy` defines them: each
 * check has an ID, a level (baseline or restricted) and one implementation per Kubernetes
 * minor version it changed in. Evaluating a level at a version runs the checks in effect then,
 * baseline IDs first, then restricted, each group sorted by ID, with restricted checks that
 * supersede a baseline one replacing it.
 *
 * @module
 */
import { type Obj, obj, objs, str } from "./attributes.ts";
import { compareStrings } from "../../../kube/order.ts";

export type Level = "privileged" | "baseline" | "restricted";

export interface CheckResult {
  allowed: boolean;
  reason?: string;
  detail?: string;
}

type CheckFn = (meta: Obj, spec: Obj) => CheckResult;

interface VersionedCheck {
  /** The minor version (of 1.x) this implementation starts at. */
  since: number;
  fn: CheckFn;
  overrides?: string[];
}

interface Check {
  id: string;
  level: "baseline" | "restricted";
  versions: VersionedCheck[];
}

const ALLOWED: CheckResult = { allowed: true };

function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}

function joinQuote(items: readonly string[]): string {
  return items.length ? `"${items.join('", "')}"` : "";
}

/** `container "a"` or `containers "a", "b"`. */
function containers(names: string[]): string {
  return `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`;
}

const sorted = (s: Set<string>) => [...s].sort();

/** Init containers, containers, then ephemeral containers, as upstream visits them. */
function visit(spec: Obj, fn: (c: Obj, sc: Obj | undefined) => void): void {
  for (const key of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const c of objs(spec[key])) fn(c, obj(c.securityContext));
  }
}

const podSc = (spec: Obj) => obj(spec.securityContext);
const isWindows = (spec: Obj) => str(obj(spec.os)?.name) === "windows";
/** Pods in a user namespace (`hostUsers: false`) are exempt from root-related rules (1.35+). */
const userNamespaced = (spec: Obj) => spec.hostUsers === false;

function unlessWindows(fn: CheckFn): CheckFn {
  return (meta, spec) => (isWindows(spec) ? ALLOWED : fn(meta, spec));
}

function unlessUserNamespaced(fn: CheckFn): CheckFn {
  return (meta, spec) => (userNamespaced(spec) ? ALLOWED : fn(meta, spec));
}

const allowPrivilegeEscalation: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  visit(spec, (c, sc) => {
    if (sc?.allowPrivilegeEscalation !== false) bad.push(str(c.name));
  });
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: "allowPrivilegeEscalation != false",
    detail: `${containers(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  };
};

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const appArmorProfile: CheckFn = (meta, spec) => {
  const setters: string[] = [];
  const values = new Set<string>();
  const allowedType = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
  const podProfile = obj(podSc(spec)?.appArmorProfile);
  if (podProfile && !allowedType(podProfile.type)) {
    setters.push("pod");
    values.add(str(podProfile.type));
  }
  const bad: string[] = [];
  visit(spec, (c, sc) => {
    const p = obj(sc?.appArmorProfile);
    if (p && !allowedType(p.type)) {
      bad.push(str(c.name));
      values.add(str(p.type));
    }
  });
  if (bad.length) setters.push(containers(bad));
  const list = sorted(values);
  const annotations: string[] = [];
  for (const [k, v] of Object.entries(obj(meta.annotations) ?? {})) {
    const value = str(v);
    const ok = value === "" || value === "runtime/default" || value.startsWith("localhost/");
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !ok) {
      annotations.push(`${k}=${JSON.stringify(value)}`);
    }
  }
  if (annotations.length) {
    list.push(...annotations.sort());
    setters.push(pluralize("annotation", "annotations", annotations.length));
  }
  if (!setters.length) return ALLOWED;
  return {
    allowed: false,
    reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", list.length),
    detail: `${setters.join(" and ")} must not set AppArmor profile type to ${joinQuote(list)}`,
  };
};

const DEFAULT_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

const capabilities = (sc: Obj | undefined) => obj(sc?.capabilities);
const capList = (caps: Obj | undefined, key: string): string[] =>
  Array.isArray(caps?.[key]) ? (caps![key] as unknown[]).map(str) : [];

const capabilitiesBaseline: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const caps = new Set<string>();
  visit(spec, (c, sc) => {
    const added = capList(capabilities(sc), "add").filter((x) => !DEFAULT_CAPABILITIES.has(x));
    added.forEach((x) => caps.add(x));
    if (added.length) bad.push(str(c.name));
  });
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: "non-default capabilities",
    detail: `${containers(bad)} must not include ${
      joinQuote(sorted(caps))
    } in securityContext.capabilities.add`,
  };
};

const capabilitiesRestricted: CheckFn = (_meta, spec) => {
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const caps = new Set<string>();
  visit(spec, (c, sc) => {
    const cs = capabilities(sc);
    if (!cs) {
      missingDrop.push(str(c.name));
      return;
    }
    if (!capList(cs, "drop").includes("ALL")) missingDrop.push(str(c.name));
    const added = capList(cs, "add").filter((x) => x !== "NET_BIND_SERVICE");
    added.forEach((x) => caps.add(x));
    if (added.length) adding.push(str(c.name));
  });
  const details: string[] = [];
  if (missingDrop.length) {
    details.push(`${containers(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  }
  if (adding.length) {
    details.push(
      `${containers(adding)} must not include ${
        joinQuote(sorted(caps))
      } in securityContext.capabilities.add`,
    );
  }
  if (!details.length) return ALLOWED;
  return { allowed: false, reason: "unrestricted capabilities", detail: details.join("; ") };
};

const hostNamespaces: CheckFn = (_meta, spec) => {
  const found = (["hostNetwork", "hostPID", "hostIPC"] as const)
    .filter((k) => spec[k] === true)
    .map((k) => `${k}=true`);
  if (!found.length) return ALLOWED;
  return { allowed: false, reason: "host namespaces", detail: found.join(", ") };
};

const hostPathVolumes: CheckFn = (_meta, spec) => {
  const bad = objs(spec.volumes).filter((v) => obj(v.hostPath)).map((v) => str(v.name));
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: "hostPath volumes",
    detail: `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)}`,
  };
};

const hostPorts: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const ports = new Set<string>();
  visit(spec, (c) => {
    let found = false;
    for (const p of objs(c.ports)) {
      if (typeof p.hostPort === "number" && p.hostPort !== 0) {
        found = true;
        ports.add(String(p.hostPort));
      }
    }
    if (found) bad.push(str(c.name));
  });
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: "hostPort",
    detail: `${containers(bad)} ${pluralize("uses", "use", bad.length)} ${
      pluralize("hostPort", "hostPorts", ports.size)
    } ${sorted(ports).join(", ")}`,
  };
};

const hostProbesAndHostLifecycle: CheckFn = (_meta, spec) => {
  const bad = new Set<string>();
  const hosts = new Set<string>();
  const look = (c: Obj, handler: Obj | undefined) => {
    for (const key of ["httpGet", "tcpSocket"]) {
      const host = str(obj(handler?.[key])?.host);
      if (host) {
        bad.add(str(c.name));
        hosts.add(host);
      }
    }
  };
  visit(spec, (c) => {
    for (const key of ["livenessProbe", "readinessProbe", "startupProbe"]) look(c, obj(c[key]));
    const lifecycle = obj(c.lifecycle);
    look(c, obj(lifecycle?.postStart));
    look(c, obj(lifecycle?.preStop));
  });
  if (!bad.size) return ALLOWED;
  return {
    allowed: false,
    reason: "probe or lifecycle host",
    detail: `${containers(sorted(bad))} ${pluralize("uses", "use", bad.size)} ${
      pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.size)
    } ${joinQuote(sorted(hosts))}`,
  };
};

const privileged: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  visit(spec, (c, sc) => {
    if (sc?.privileged === true) bad.push(str(c.name));
  });
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: "privileged",
    detail: `${containers(bad)} must not set securityContext.privileged=true`,
  };
};

const procMount: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  visit(spec, (c, sc) => {
    if (sc?.procMount === undefined || sc.procMount === null) return;
    if (sc.procMount !== "Default") {
      bad.push(str(c.name));
      types.add(str(sc.procMount));
    }
  });
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: "procMount",
    detail: `${containers(bad)} must not set securityContext.procMount to ${
      joinQuote(sorted(types))
    }`,
  };
};

const ALLOWED_VOLUME_SOURCES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

const RESTRICTED_VOLUME_SOURCES = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
];

const restrictedVolumes: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of objs(spec.volumes)) {
    if (ALLOWED_VOLUME_SOURCES.some((k) => obj(v[k]))) continue;
    bad.push(str(v.name));
    types.add(RESTRICTED_VOLUME_SOURCES.find((k) => obj(v[k])) ?? "unknown");
  }
  if (!bad.length) return ALLOWED;
  return {
    allowed: false,
    reason: "restricted volume types",
    detail: `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)} ${
      pluralize("uses", "use", bad.length)
    } ${pluralize("restricted volume type", "restricted volume types", types.size)} ${
      joinQuote(sorted(types))
    }`,
  };
};

const runAsNonRoot: CheckFn = (_meta, spec) => {
  const setters: string[] = [];
  let podNonRoot = false;
  const pod = podSc(spec)?.runAsNonRoot;
  if (typeof pod === "boolean") {
    if (!pod) setters.push("pod");
    else podNonRoot = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  visit(spec, (c, sc) => {
    if (typeof sc?.runAsNonRoot === "boolean") {
      if (!sc.runAsNonRoot) explicit.push(str(c.name));
    } else if (!podNonRoot) implicit.push(str(c.name));
  });
  if (explicit.length) setters.push(containers(explicit));
  if (setters.length) {
    return {
      allowed: false,
      reason: "runAsNonRoot != true",
      detail: `${setters.join(" and ")} must not set securityContext.runAsNonRoot=false`,
    };
  }
  if (implicit.length) {
    return {
      allowed: false,
      reason: "runAsNonRoot != true",
      detail: `pod or ${containers(implicit)} must set securityContext.runAsNonRoot=true`,
    };
  }
  return ALLOWED;
};

const runAsUser: CheckFn = (_meta, spec) => {
  const setters: string[] = [];
  if (podSc(spec)?.runAsUser === 0) setters.push("pod");
  const bad: string[] = [];
  visit(spec, (c, sc) => {
    if (sc?.runAsUser === 0) bad.push(str(c.name));
  });
  if (bad.length) setters.push(containers(bad));
  if (!setters.length) return ALLOWED;
  return {
    allowed: false,
    reason: "runAsUser=0",
    detail: `${setters.join(" and ")} must not set runAsUser=0`,
  };
};

function seLinuxOptions(allowedTypes: string[]): CheckFn {
  return (_meta, spec) => {
    const setters: string[] = [];
    const types = new Set<string>();
    let user = false;
    let role = false;
    const valid = (o: Obj) => {
      let ok = true;
      if (!allowedTypes.includes(str(o.type))) {
        ok = false;
        types.add(str(o.type));
      }
      if (str(o.user)) {
        ok = false;
        user = true;
      }
      if (str(o.role)) {
        ok = false;
        role = true;
      }
      return ok;
    };
    const pod = obj(podSc(spec)?.seLinuxOptions);
    if (pod && !valid(pod)) setters.push("pod");
    const bad: string[] = [];
    visit(spec, (c, sc) => {
      const o = obj(sc?.seLinuxOptions);
      if (o && !valid(o)) bad.push(str(c.name));
    });
    if (bad.length) setters.push(containers(bad));
    if (!setters.length) return ALLOWED;
    const data: string[] = [];
    if (types.size) {
      data.push(`${pluralize("type", "types", types.size)} ${joinQuote(sorted(types))}`);
    }
    if (user) data.push("user may not be set");
    if (role) data.push("role may not be set");
    return {
      allowed: false,
      reason: "seLinuxOptions",
      detail: `${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${
        data.join("; ")
      }`,
    };
  };
}

const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

const validSeccomp = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";

/** Before 1.19, seccomp was set by annotations. */
const seccompBaselineAnnotations: CheckFn = (meta, spec) => {
  const annotations = obj(meta.annotations) ?? {};
  const forbidden = new Set<string>();
  const check = (key: string) => {
    if (!(key in annotations)) return;
    const v = str(annotations[key]);
    const ok = v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");
    if (!ok) forbidden.add(`${key}=${JSON.stringify(v)}`);
  };
  check(SECCOMP_POD_ANNOTATION);
  visit(spec, (c) => check(SECCOMP_CONTAINER_ANNOTATION_PREFIX + str(c.name)));
  if (!forbidden.size) return ALLOWED;
  return {
    allowed: false,
    reason: "seccompProfile",
    detail: `forbidden ${pluralize("annotation", "annotations", forbidden.size)} ${
      sorted(forbidden).join(", ")
    }`,
  };
};

function seccompProfile(requireSet: boolean): CheckFn {
  return (_meta, spec) => {
    const setters: string[] = [];
    const values = new Set<string>();
    let podSet = false;
    const pod = obj(podSc(spec)?.seccompProfile);
    if (pod) {
      if (!validSeccomp(pod.type)) {
        setters.push("pod");
        values.add(str(pod.type));
      } else podSet = true;
    }
    const explicit: string[] = [];
    const implicit: string[] = [];
    visit(spec, (c, sc) => {
      const p = obj(sc?.seccompProfile);
      if (p) {
        if (!validSeccomp(p.type)) {
          explicit.push(str(c.name));
          values.add(str(p.type));
        }
      } else if (!podSet) implicit.push(str(c.name));
    });
    if (explicit.length) setters.push(containers(explicit));
    if (setters.length) {
      return {
        allowed: false,
        reason: "seccompProfile",
        detail: `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${
          joinQuote(sorted(values))
        }`,
      };
    }
    if (requireSet && implicit.length) {
      return {
        allowed: false,
        reason: "seccompProfile",
        detail: `pod or ${
          containers(implicit)
        } must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      };
    }
    return ALLOWED;
  };
}

const SYSCTLS_1_0 = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SYSCTLS_1_37 = [
  ...SYSCTLS_1_32,
  "net.ipv4.tcp_slow_start_after_idle",
  "net.ipv4.tcp_notsent_lowat",
];

function sysctls(allowed: string[]): CheckFn {
  return (_meta, spec) => {
    const bad = objs(podSc(spec)?.sysctls).map((s) => str(s.name)).filter((n) =>
      !allowed.includes(n)
    );
    if (!bad.length) return ALLOWED;
    return { allowed: false, reason: "forbidden sysctls", detail: bad.join(", ") };
  };
}

const windowsHostProcess: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  visit(spec, (c, sc) => {
    if (obj(sc?.windowsOptions)?.hostProcess === true) bad.push(str(c.name));
  });
  const setters: string[] = [];
  if (obj(podSc(spec)?.windowsOptions)?.hostProcess === true) setters.push("pod");
  if (bad.length) setters.push(containers(bad));
  if (!setters.length) return ALLOWED;
  return {
    allowed: false,
    reason: "hostProcess",
    detail: `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`,
  };
};

const SELINUX_TYPES_1_0 = ["", "container_t", "container_init_t", "container_kvm_t"];

/** Every check, with the minor versions its behaviour changed at. */
export const CHECKS: readonly Check[] = [
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    versions: [
      { since: 8, fn: allowPrivilegeEscalation },
      { since: 25, fn: unlessWindows(allowPrivilegeEscalation) },
    ],
  },
  { id: "appArmorProfile", level: "baseline", versions: [{ since: 0, fn: appArmorProfile }] },
  {
    id: "capabilities_baseline",
    level: "baseline",
    versions: [{ since: 0, fn: capabilitiesBaseline }],
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    versions: [
      { since: 22, fn: capabilitiesRestricted, overrides: ["capabilities_baseline"] },
      {
        since: 25,
        fn: unlessWindows(capabilitiesRestricted),
        overrides: ["capabilities_baseline"],
      },
    ],
  },
  { id: "hostNamespaces", level: "baseline", versions: [{ since: 0, fn: hostNamespaces }] },
  { id: "hostPathVolumes", level: "baseline", versions: [{ since: 0, fn: hostPathVolumes }] },
  { id: "hostPorts", level: "baseline", versions: [{ since: 0, fn: hostPorts }] },
  {
    id: "hostProbesAndHostLifecycle",
    level: "baseline",
    versions: [{ since: 34, fn: hostProbesAndHostLifecycle }],
  },
  { id: "privileged", level: "baseline", versions: [{ since: 0, fn: privileged }] },
  {
    id: "procMount",
    level: "baseline",
    versions: [{ since: 0, fn: procMount }, { since: 35, fn: unlessUserNamespaced(procMount) }],
  },
  {
    id: "procMount_restricted",
    level: "restricted",
    versions: [{ since: 35, fn: procMount, overrides: ["procMount"] }],
  },
  {
    id: "restrictedVolumes",
    level: "restricted",
    versions: [{ since: 0, fn: restrictedVolumes, overrides: ["hostPathVolumes"] }],
  },
  {
    id: "runAsNonRoot",
    level: "restricted",
    versions: [{ since: 0, fn: runAsNonRoot }, {
      since: 35,
      fn: unlessUserNamespaced(runAsNonRoot),
    }],
  },
  {
    id: "runAsUser",
    level: "restricted",
    versions: [{ since: 23, fn: runAsUser }, { since: 35, fn: unlessUserNamespaced(runAsUser) }],
  },
  {
    id: "seLinuxOptions",
    level: "baseline",
    versions: [
      { since: 0, fn: seLinuxOptions(SELINUX_TYPES_1_0) },
      { since: 31, fn: seLinuxOptions([...SELINUX_TYPES_1_0, "container_engine_t"]) },
    ],
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    versions: [
      { since: 0, fn: seccompBaselineAnnotations },
      { since: 19, fn: seccompProfile(false) },
    ],
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    versions: [
      { since: 19, fn: seccompProfile(true), overrides: ["seccompProfile_baseline"] },
      {
        since: 25,
        fn: unlessWindows(seccompProfile(true)),
        overrides: ["seccompProfile_baseline"],
      },
    ],
  },
  {
    id: "sysctls",
    level: "baseline",
    versions: [
      { since: 0, fn: sysctls(SYSCTLS_1_0) },
      { since: 27, fn: sysctls(SYSCTLS_1_27) },
      { since: 29, fn: sysctls(SYSCTLS_1_29) },
      { since: 32, fn: sysctls(SYSCTLS_1_32) },
      { since: 37, fn: sysctls(SYSCTLS_1_37) },
    ],
  },
  {
    id: "windowsHostProcess",
    level: "baseline",
    versions: [{ since: 0, fn: windowsHostProcess }],
  },
];

/** The implementation of a check in effect at minor version `v`, if any. */
function atVersion(check: Check, v: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const vc of check.versions) if (vc.since <= v) found = vc;
  return found;
}

const ORDERED = [
  ...CHECKS.filter((c) => c.level === "baseline").sort((a, b) => compareStrings(a.id, b.id)),
  ...CHECKS.filter((c) => c.level === "restricted").sort((a, b) => compareStrings(a.id, b.id)),
];

/** The results of every check of `level` at minor version `minor` (privileged checks nothing). */
export function evaluatePod(level: Level, minor: number, meta: Obj, spec: Obj): CheckResult[] {
  if (level === "privileged") return [];
  const active = ORDERED.flatMap((c) => {
    const vc = atVersion(c, minor);
    return vc && (level === "restricted" || c.level === "baseline") ? [{ c, vc }] : [];
  });
  const overridden = new Set(active.flatMap(({ vc }) => vc.overrides ?? []));
  return active.filter(({ c }) => !overridden.has(c.id)).map(({ vc }) => vc.fn(meta, spec));
}

/** Upstream's aggregate detail: `reason (detail), reason (detail)`, or "" when allowed. */
export function forbiddenDetail(results: CheckResult[]): string {
  return results.filter((r) => !r.allowed).map((r) => {
    const reason = r.reason || "unknown forbidden reason";
    return r.detail ? `${reason} (${r.detail})` : reason;
  }).join(", ");
}

/** Upstream's aggregate reason: the reasons alone, comma separated. */
export function forbiddenReasons(results: CheckResult[]): string {
  return results.filter((r) => !r.allowed).map((r) => r.reason || "unknown forbidden reason")
    .join(", ");
}
