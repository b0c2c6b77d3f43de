/**
 * {@link ServiceAccountClients}: one API identity per controller, as kube-controller-manager
 * has with `--use-service-account-credentials` (which K3s sets). The controller manager's own
 * identity (`system:kube-controller-manager`) may only read, manage service accounts in
 * kube-system and ask for their tokens; each controller then acts as
 * `system:serviceaccount:kube-system:<controller>-controller`, which the bootstrap policy binds
 * to its `system:controller:<controller>-controller` role.
 *
 * A client from {@link ServiceAccountClients.clientFor} is ready at once: its first request
 * creates the service account when missing and asks for a TokenRequest token (one hour),
 * renewed when 80% of its life has passed or when the server answers 401. All these clients
 * share one transport (inside `k3s server`, the loopback one).
 *
 * @module
 */
import {
  type ClientConfig,
  type Clock,
  Http2Transport,
  isAlreadyExists,
  isNotFound,
  KubeClient,
  type Logger,
  realClock,
  SERVICE_ACCOUNTS,
  silentLogger,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from "../../kube/client/mod.ts";

/** Options of {@linkcode ServiceAccountClients}. */
export interface ServiceAccountClientsOptions {
  /** The controller manager's own client: creates service accounts and requests tokens. */
  root: KubeClient;
  /** Where the server is (URL, CA, user agent); credentials here are ignored. */
  server: Pick<ClientConfig, "server" | "caPem" | "tlsServerName" | "userAgent">;
  /** Default kube-system. */
  namespace?: string;
  /** How requests reach the server (default: HTTPS to `server`); shared by every account. */
  transport?: Transport;
  /** Token lifetime asked for, default 3600 s. */
  expirationSeconds?: number;
  clock?: Clock;
  log?: Logger;
}

interface Token {
  value: string;
  renewAt: number;
}

/** Fetches and renews one service account's token. */
class TokenSource {
  #token: Token | null = null;
  #pending: Promise<string> | null = null;

  constructor(
    readonly name: string,
    readonly o: Required<Omit<ServiceAccountClientsOptions, "server" | "transport">>,
  ) {}

  token(): Promise<string> {
    if (this.#token && this.o.clock.now() < this.#token.renewAt) {
      return Promise.resolve(this.#token.value);
    }
    this.#pending ??= this.#fetch().finally(() => (this.#pending = null));
    return this.#pending;
  }

  invalidate(used: string): void {
    if (this.#token?.value === used) this.#token = null;
  }

  async #fetch(): Promise<string> {
    const { root, namespace, expirationSeconds, clock } = this.o;
    try {
      await root.get(SERVICE_ACCOUNTS, this.name, { namespace });
    } catch (err) {
      if (!isNotFound(err)) throw this.#fail(err);
      try {
        await root.create(SERVICE_ACCOUNTS, { metadata: { name: this.name, namespace } });
        this.o.log.info(`created service account ${namespace}/${this.name}`);
      } catch (err) {
        if (!isAlreadyExists(err)) throw this.#fail(err);
      }
    }
    const started = clock.now();
    let res: { status?: { token?: string; expirationTimestamp?: string } };
    try {
      res = await root.request(
        "POST",
        `/api/v1/namespaces/${namespace}/serviceaccounts/${this.name}/token`,
        {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { expirationSeconds },
        },
      );
    } catch (err) {
      throw this.#fail(err);
    }
    const value = res.status?.token;
    if (!value) throw this.#fail(new Error("the TokenRequest answer has no token"));
    const expires = Date.parse(res.status?.expirationTimestamp ?? "") ||
      started + expirationSeconds * 1000;
    const renewAt = started + (expires - started) * 0.8;
    this.#token = { value, renewAt };
    return value;
  }

  #fail(err: unknown): Error {
    return new Error(
      `Cannot get a token for service account ${this.o.namespace}/${this.name}: ${
        (err as Error).message
      }`,
    );
  }
}

/** Sends requests with a service account's bearer token over a shared transport. */
class BearerTransport implements Transport {
  constructor(readonly inner: Transport, readonly source: TokenSource) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    for (let attempt = 0;; attempt++) {
      const token = await this.source.token();
      const res = await this.inner.request(this.#with(req, token));
      if (res.status !== 401 || attempt > 0) return res;
      this.source.invalidate(token);
    }
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    return this.inner.stream(this.#with(req, await this.source.token()));
  }

  /** The shared connection outlives any one client. */
  close(): void {}

  #with(req: TransportRequest, token: string): TransportRequest {
    return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
  }
}

/** Clients acting as service accounts of kube-system, one per controller. */
export class ServiceAccountClients {
  readonly #o: Required<Omit<ServiceAccountClientsOptions, "server" | "transport">>;
  readonly #config: ClientConfig;
  readonly #transport: Transport;
  readonly #clients = new Map<string, KubeClient>();

  constructor(options: ServiceAccountClientsOptions) {
    this.#o = {
      root: options.root,
      namespace: options.namespace ?? "kube-system",
      expirationSeconds: options.expirationSeconds ?? 3600,
      clock: options.clock ?? realClock,
      log: options.log ?? silentLogger,
    };
    this.#config = { ...options.server };
    this.#transport = options.transport ?? new Http2Transport(this.#config);
  }

  /** The client of service account `name` (created on first use, then shared). */
  clientFor(name: string): KubeClient {
    let c = this.#clients.get(name);
    if (!c) {
      const transport = new BearerTransport(this.#transport, new TokenSource(name, this.#o));
      c = new KubeClient(this.#config, transport);
      this.#clients.set(name, c);
    }
    return c;
  }

  /** Closes the shared connection. */
  close(): void {
    this.#transport.close();
  }
}
