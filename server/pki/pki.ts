/**
 * The server's PKI in K3s's layout under `<data-dir>/server/tls/`: made on first start, reused
 * later, with leaf certificates re-issued when they near expiry, no longer match their CA, or
 * (for the 6443 serving certificate) when the SAN set changed.
 *
 * @module
 */

import { mkdir, readFile } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../kube/kubeconfig.ts";
import {
  type CertAndKey,
  certInfo,
  type CertUsage,
  createCa,
  needsRenewal,
  normalizeSan,
  signCertificate,
} from "./cert.ts";
import { firstIpOf } from "./net.ts";
import {
  certPublicKeyPemOf,
  generateKeyPair,
  isIssuedBy,
  isP256Key,
  privateKeyToPem,
  publicKeyPemOf,
  splitPemCertificates,
} from "./x509.ts";

/** Options of {@linkcode loadOrCreatePki}. */
export interface PkiOptions {
  /** The K3s data dir (`/var/lib/rancher/k3s`); files go to `<dataDir>/server/tls`. */
  dataDir: string;
  /** Defaults to the machine's hostname. */
  hostname?: string;
  nodeIps: string[];
  /** Extra serving-certificate SANs (`--tls-san`). */
  tlsSans: string[];
  /** `--service-cidr`, one CIDR or a comma-separated dual-stack pair. */
  serviceCidr: string;
  /** `--cluster-domain`, e.g. `cluster.local`. */
  clusterDomain: string;
  now?: Date;
}

/** A PEM certificate and key with the files they live in. */
export interface CertFiles extends CertAndKey {
  certPath: string;
  keyPath: string;
}

/** Client certificates for the control-plane components. */
export interface ClientCerts {
  admin: CertFiles;
  supervisor: CertFiles;
  controller: CertFiles;
  scheduler: CertFiles;
  kubeApiserver: CertFiles;
  kubeProxy: CertFiles;
  k3sController: CertFiles;
  /** Signed by the request-header CA, for front-proxy (aggregation) requests. */
  authProxy: CertFiles;
}

/** Everything {@linkcode loadOrCreatePki} made or loaded. */
export interface Pki {
  tlsDir: string;
  serverCa: CertFiles;
  clientCa: CertFiles;
  requestHeaderCa: CertFiles;
  /** The service-account token signing key (`service.key`, ECDSA P-256, PKCS#8 PEM). */
  serviceAccount: { keyPem: string; publicKeyPem: string; keyPath: string; currentKeyPath: string };
  /** `serving-kube-apiserver.crt/.key`, the 6443 serving certificate. */
  serving: CertFiles;
  clients: ClientCerts;
  /** Keys the supervisor uses when it issues kubelet certificates (as K3s). */
  kubeletKeys: { clientKeyPath: string; servingKeyPath: string };
  /** The serving certificate's SANs, normalised (`dns:…`, `ip:…`). */
  sans: string[];
  /** File names (without extension) written during this call, for the log. */
  written: string[];
}

interface ClientSpec {
  file: string;
  commonName: string;
  organizations?: string[];
}

const CLIENTS: Record<Exclude<keyof ClientCerts, "authProxy">, ClientSpec> = {
  admin: { file: "client-admin", commonName: "system:admin", organizations: ["system:masters"] },
  supervisor: {
    file: "client-supervisor",
    commonName: "system:k3s-supervisor",
    organizations: ["system:masters"],
  },
  controller: { file: "client-controller", commonName: "system:kube-controller-manager" },
  scheduler: { file: "client-scheduler", commonName: "system:kube-scheduler" },
  kubeApiserver: {
    file: "client-kube-apiserver",
    commonName: "system:kube-apiserver",
    organizations: ["system:masters"],
  },
  kubeProxy: { file: "client-kube-proxy", commonName: "system:kube-proxy" },
  k3sController: { file: "client-k3s-controller", commonName: "system:k3s-controller" },
};

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
}

/** The serving certificate's SANs for these options, in K3s's order (not normalised). */
export function servingSans(options: PkiOptions): string[] {
  const domain = options.clusterDomain.replace(/^\.+|\.+$/g, "");
  return [
    "localhost",
    "127.0.0.1",
    "::1",
    options.hostname ?? osHostname(),
    ...options.nodeIps,
    ...options.tlsSans,
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    `kubernetes.default.svc.${domain}`,
    ...options.serviceCidr.split(",").filter((c) => c.trim()).map(firstIpOf),
  ].filter((s) => s.trim() !== "");
}

/** Loads or creates the whole PKI; see the module doc for what is reused and re-issued. */
export async function loadOrCreatePki(options: PkiOptions): Promise<Pki> {
  const now = options.now ?? new Date();
  const tlsDir = join(options.dataDir, "server", "tls");
  // Files are made concurrently; `written` lists them in the order they were asked for.
  const asked: string[] = [];
  const wrote = new Set<string>();
  const path = (name: string, ext: "crt" | "key") => join(tlsDir, `${name}.${ext}`);

  const ca = async (name: string, prefix: string): Promise<CertFiles> => {
    asked.push(name);
    const [certPath, keyPath] = [path(name, "crt"), path(name, "key")];
    const [certPem, keyPem] = [await readOptional(certPath), await readOptional(keyPath)];
    if (certPem !== undefined && keyPem !== undefined) {
      if (!keyMatches(certPem, keyPem)) {
        throw new Error(`Cannot use ${certPath}: its key ${keyPath} does not match it`);
      }
      return { certPem, keyPem, certPath, keyPath };
    }
    if (certPem !== undefined || keyPem !== undefined) {
      throw new Error(`Cannot use CA ${name}: only one of ${certPath} and ${keyPath} exists`);
    }
    const made = await createCa({
      commonName: `${prefix}@${Math.floor(now.getTime() / 1000)}`,
      now,
    });
    await writeFileAtomic(keyPath, made.keyPem, KEY_MODE);
    await writeFileAtomic(certPath, made.certPem, CERT_MODE);
    wrote.add(name);
    return { ...made, certPath, keyPath };
  };

  const leaf = async (
    caFiles: CertFiles,
    name: string,
    spec: { commonName: string; organizations?: string[]; sans?: string[]; usage: CertUsage },
  ): Promise<CertFiles> => {
    asked.push(name);
    const [certPath, keyPath] = [path(name, "crt"), path(name, "key")];
    const [certPem, keyPem] = [await readOptional(certPath), await readOptional(keyPath)];
    const caPem = splitPemCertificates(caFiles.certPem)[0];
    if (certPem !== undefined && keyPem !== undefined && fits(certPem, keyPem, caPem, spec, now)) {
      return { certPem, keyPem, certPath, keyPath };
    }
    const made = await signCertificate({
      ca: { certPem: caPem, keyPem: caFiles.keyPem },
      ...spec,
      now,
      keyPem: keyPem !== undefined && isP256Key(keyPem) ? keyPem : undefined,
    });
    await writeFileAtomic(keyPath, made.keyPem, KEY_MODE);
    await writeFileAtomic(certPath, made.certPem, CERT_MODE);
    wrote.add(name);
    return { ...made, certPath, keyPath };
  };

  const key = async (name: string): Promise<string> => {
    asked.push(name);
    const keyPath = path(name, "key");
    const existing = await readOptional(keyPath);
    if (existing !== undefined) return existing;
    const pem = await privateKeyToPem((await generateKeyPair()).privateKey);
    await writeFileAtomic(keyPath, pem, KEY_MODE);
    wrote.add(name);
    return pem;
  };

  await mkdir(tlsDir, { recursive: true, mode: 0o700 });
  const [serverCa, clientCa, requestHeaderCa] = await Promise.all([
    ca("server-ca", "k3s-server-ca"),
    ca("client-ca", "k3s-client-ca"),
    ca("request-header-ca", "k3s-request-header-ca"),
  ]);
  const nochain = [["server-ca", serverCa], ["client-ca", clientCa]] as const;
  const writeNochain = nochain.map(async ([name, caFiles]) => {
    // The controller-manager's signer wants one certificate, not a chain (as K3s).
    const single = splitPemCertificates(caFiles.certPem)[0] + "\n";
    if (await readOptional(path(`${name}.nochain`, "crt")) !== single) {
      await writeFileAtomic(path(`${name}.nochain`, "crt"), single, CERT_MODE);
    }
  });

  const currentKeyPath = path("service.current", "key");
  const serviceKey = key("service").then(async (pem) => {
    if (await readOptional(currentKeyPath) === undefined) {
      await writeFileAtomic(currentKeyPath, pem, KEY_MODE);
    }
    return pem;
  });

  const sanList = servingSans(options);
  const serving = leaf(serverCa, "serving-kube-apiserver", {
    commonName: "kube-apiserver",
    sans: sanList,
    usage: "server",
  });

  const clientList = Object.entries(CLIENTS).map(async ([field, spec]) =>
    [field, await leaf(clientCa, spec.file, { ...spec, usage: "client" })] as const
  );
  const authProxy = leaf(requestHeaderCa, "client-auth-proxy", {
    commonName: "system:auth-proxy",
    usage: "client",
  });
  const kubeletKeys = [key("client-kubelet"), key("serving-kubelet")];

  const [serviceKeyPem, servingFiles, clientEntries, authProxyFiles] = await Promise.all([
    serviceKey,
    serving,
    Promise.all(clientList),
    authProxy,
    ...writeNochain,
    ...kubeletKeys,
  ]);
  const clients = Object.fromEntries(clientEntries) as unknown as ClientCerts;
  clients.authProxy = authProxyFiles;
  const written = asked.filter((name) => wrote.has(name));

  return {
    tlsDir,
    serverCa,
    clientCa,
    requestHeaderCa,
    serviceAccount: {
      keyPem: serviceKeyPem,
      publicKeyPem: publicKeyPemOf(serviceKeyPem),
      keyPath: path("service", "key"),
      currentKeyPath,
    },
    serving: servingFiles,
    clients,
    kubeletKeys: {
      clientKeyPath: path("client-kubelet", "key"),
      servingKeyPath: path("serving-kubelet", "key"),
    },
    sans: [...new Set(sanList.map(normalizeSan))].sort(),
    written,
  };
}

/** True when an existing leaf certificate can stay: same identity, CA, key, SANs, not expiring. */
function fits(
  certPem: string,
  keyPem: string,
  caPem: string,
  spec: { commonName: string; organizations?: string[]; sans?: string[] },
  now: Date,
): boolean {
  try {
    const info = certInfo(certPem);
    const wantSans = [...new Set((spec.sans ?? []).map(normalizeSan))].sort();
    return info.version === 3 &&
      info.commonName === spec.commonName &&
      info.organizations.join("\n") === (spec.organizations ?? []).join("\n") &&
      info.sans.join("\n") === wantSans.join("\n") &&
      isIssuedBy(certPem, caPem) &&
      keyMatches(certPem, keyPem) &&
      !needsRenewal(certPem, now);
  } catch {
    return false;
  }
}

/** True when `keyPem` is the private key of the first certificate in `certPem`. */
function keyMatches(certPem: string, keyPem: string): boolean {
  try {
    const first = splitPemCertificates(certPem)[0];
    return first !== undefined && publicKeyPemOf(keyPem) === certPublicKeyPemOf(first);
  } catch {
    return false;
  }
}
