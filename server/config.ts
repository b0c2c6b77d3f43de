/**
 * What `k3s server` needs from its configuration. The CLI's `ServerConfig` (derived from the flag
 * table) satisfies this structurally, so no field is copied by hand.
 *
 * @module
 */

export interface ServerRunConfig {
  readonly dataDir: string;
  readonly httpsListenPort: number;
  readonly bindAddress?: string;
  readonly advertiseAddress?: string;
  readonly tlsSan?: readonly string[];
  readonly clusterCidr: readonly string[];
  readonly serviceCidr: readonly string[];
  readonly clusterDomain: string;
  readonly clusterDns?: readonly string[];
  /** `--kube-apiserver-arg` (`name=value`), read by the parts of the API server they configure. */
  readonly kubeApiserverArg?: readonly string[];
  /** `--kube-controller-manager-arg` (`name=value`), read by the controllers they configure. */
  readonly kubeControllerManagerArg?: readonly string[];
  readonly disable?: readonly string[];
  readonly datastoreEndpoint?: string;
  readonly datastoreCafile?: string;
  readonly datastoreCertfile?: string;
  readonly datastoreKeyfile?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly agentToken?: string;
  readonly writeKubeconfig?: string;
  readonly writeKubeconfigMode?: string;
  readonly disableAgent: boolean;
  /** `--disable-scheduler`: do not run the default scheduler. */
  readonly disableScheduler?: boolean;
  readonly nodeName?: string;
  readonly nodeIp?: readonly string[];
  readonly debug: boolean;
  /** `--secrets-encryption`: encrypt secrets at rest (server/secretsencrypt). */
  readonly secretsEncryption?: boolean;
}
