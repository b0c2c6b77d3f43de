/**
 * The certificate files of each component ("service", in K3s's words), for
 * `k3s certificate check` and `rotate`: K3s's service names mapped to the files `pki.ts`
 * writes under `<data-dir>/server/tls` and the agent's join writes under `<data-dir>/agent`.
 * CAs belong to no service (rotating them needs a new CA, as in K3s).
 *
 * @module
 */
import { join } from "node:path";

/** Services whose certificates live on a server, in K3s's order. */
export const SERVER_SERVICES = [
  "api-server",
  "admin",
  "auth-proxy",
  "cloud-controller",
  "controller-manager",
  "etcd",
  "scheduler",
  "supervisor",
  "k3s-server",
] as const;

/** Services whose certificates an agent holds. */
export const AGENT_SERVICES = ["kube-proxy", "kubelet", "k3s-controller"] as const;

/** Every service name `--service` accepts. */
export const ALL_SERVICES = [...SERVER_SERVICES, ...AGENT_SERVICES] as const;

/** One of {@linkcode ALL_SERVICES}. */
export type Service = typeof ALL_SERVICES[number];

/** True when `name` is a service name `--service` accepts. */
export function isService(name: string): name is Service {
  return (ALL_SERVICES as readonly string[]).includes(name);
}

/** `client-admin` → its `.crt` and `.key`. */
const pair = (dir: string, name: string) => [join(dir, `${name}.crt`), join(dir, `${name}.key`)];

/**
 * The files of each service, in the order given. Files that this distribution does not write
 * (embedded etcd, cloud controller, the agent's kube-proxy and k3s-controller copies) keep
 * K3s's paths, so a data dir K3s made is handled too; missing files are the caller's to skip.
 * `k3s-server` is K3s's 6443 listener, which here serves `serving-kube-apiserver.crt`.
 */
export function filesForServices(
  dataDir: string,
  services: readonly Service[],
): Map<Service, string[]> {
  const tls = join(dataDir, "server", "tls");
  const agent = join(dataDir, "agent");
  const files: Record<Service, () => string[]> = {
    "admin": () => pair(tls, "client-admin"),
    "api-server": () => [
      ...pair(tls, "client-kube-apiserver"),
      ...pair(tls, "serving-kube-apiserver"),
    ],
    "auth-proxy": () => pair(tls, "client-auth-proxy"),
    "cloud-controller": () => pair(tls, "client-cloud-controller"),
    "controller-manager": () => pair(tls, "client-controller"),
    "etcd": () => [
      ...pair(join(tls, "etcd"), "client"),
      ...pair(join(tls, "etcd"), "server-client"),
      ...pair(join(tls, "etcd"), "peer-server-client"),
    ],
    "scheduler": () => pair(tls, "client-scheduler"),
    "supervisor": () => pair(tls, "client-supervisor"),
    "k3s-server": () => pair(tls, "serving-kube-apiserver"),
    "kube-proxy": () => [...pair(tls, "client-kube-proxy"), ...pair(agent, "client-kube-proxy")],
    "kubelet": () => [
      join(tls, "client-kubelet.key"),
      join(tls, "serving-kubelet.key"),
      ...pair(agent, "client-kubelet"),
      ...pair(agent, "serving-kubelet"),
    ],
    "k3s-controller": () => [
      ...pair(tls, "client-k3s-controller"),
      ...pair(agent, "client-k3s-controller"),
    ],
  };
  return new Map(services.map((s) => [s, files[s]()]));
}
