/**
 * Secrets encryption at rest on a running server: the transformer the store's codec uses, and
 * the key management K3s drives through `k3s secrets-encrypt` (status, enable/disable,
 * prepare → rotate → reencrypt, and the one-step rotate-keys).
 *
 * The configuration is reloaded in-process after every change, so (unlike a K3s server that
 * predates automatic config reload) no restart is needed between stages. Re-encryption writes
 * every secret back through the store before the request answers. The stage is kept in
 * `encryption-state.json` only (K3s also mirrors it into a node annotation); with one server
 * the hashes of all servers always match. Other servers of an HA cluster are not told about a
 * new configuration.
 *
 * @module
 */
import type { Store } from "../apiserver/store.ts";
import type { Transformer } from "../apiserver/transformer.ts";
import { ProvidersTransformer } from "./aescbc.ts";
import {
  addedKeyName,
  buildConfig,
  configHash,
  enabledIn,
  type EncryptionConfiguration,
  type EncryptionPaths,
  encryptionPaths,
  ensureEncryptionFiles,
  keysOf,
  newKey,
  parseConfig,
  readConfigText,
  readState,
  STAGES,
  writeConfig,
  writeState,
} from "./config.ts";

/** The body of `GET /v1-k3s/encrypt/status`, field for field as K3s answers. */
export interface EncryptionStatus {
  stage: string;
  activekey: string;
  enable?: boolean;
  hashmatch?: boolean;
  hasherror?: string;
  inactivekeys?: string[];
}

/** The body of `PUT /v1-k3s/encrypt/config`. */
export interface EncryptionRequest {
  stage?: string;
  enable?: boolean;
  force?: boolean;
  skip?: boolean;
}

/** The stage `rotate-keys` asks for (K3s's `EncryptionRotateKeys`). */
export const ROTATE_KEYS_STAGE = "rotate_keys";

export interface SecretsEncryptionOptions {
  dataDir: string;
  /** `--secrets-encryption`. */
  enabled: boolean;
  /** This server's node name, for K3s's stage messages. */
  nodeName: string;
  log?: (message: string) => void;
  now?: () => Date;
}

interface Loaded {
  text: string;
  config: EncryptionConfiguration;
  transformer: ProvidersTransformer;
  /** `/registry/<group>/<plural>/` of each configured resource. */
  prefixes: string[];
}

/** `/registry/core/secrets/` for "secrets", `/registry/<group>/<plural>/` for "plural.group". */
function resourcePrefix(resource: string): string {
  const dot = resource.indexOf(".");
  return dot < 0
    ? `/registry/core/${resource}/`
    : `/registry/${resource.slice(dot + 1)}/${resource.slice(0, dot)}/`;
}

export class SecretsEncryption {
  readonly paths: EncryptionPaths;
  #opts: SecretsEncryptionOptions;
  #loaded: Loaded | null = null;
  #secrets: Store | null = null;
  /** Requests run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(opts: SecretsEncryptionOptions) {
    this.#opts = opts;
    this.paths = encryptionPaths(opts.dataDir);
  }

  /** With `enabled`, writes the files on first start and loads the configuration. */
  static async open(opts: SecretsEncryptionOptions): Promise<SecretsEncryption> {
    const enc = new SecretsEncryption(opts);
    if (opts.enabled) enc.#load(await ensureEncryptionFiles(enc.paths));
    return enc;
  }

  get enabled(): boolean {
    return this.#opts.enabled;
  }

  /** The secrets store re-encryption writes through. */
  attach(secrets: Store): void {
    this.#secrets = secrets;
  }

  /** The transformer for a datastore key: the configured one for secrets, else none. */
  transformerFor(key: string): Transformer | undefined {
    const loaded = this.#loaded;
    if (!loaded || !loaded.prefixes.some((p) => key.startsWith(p))) return undefined;
    return loaded.transformer;
  }

  #load(text: string): Loaded {
    const config = parseConfig(text, this.paths.config);
    const loaded: Loaded = {
      text,
      config,
      transformer: new ProvidersTransformer(config.resources[0].providers),
      prefixes: config.resources.flatMap((r) => r.resources.map(resourcePrefix)),
    };
    this.#loaded = loaded;
    return loaded;
  }

  #log(message: string): void {
    this.#opts.log?.(message);
  }

  /** What `k3s secrets-encrypt status` shows. */
  async status(): Promise<EncryptionStatus> {
    const text = await readConfigText(this.paths.config);
    const status: EncryptionStatus = { stage: "", activekey: "" };
    if (text === null) return status;
    const config = parseConfig(text, this.paths.config);
    const enabled = enabledIn(config);
    if (enabled === true && this.enabled) status.enable = true;
    else if (enabled === false || !this.enabled) status.enable = false;
    status.hashmatch = true;
    status.stage = (await readState(this.paths.state))?.stage ?? "";
    let active = true;
    for (const p of config.resources[0].providers) {
      for (const key of p.aescbc?.keys ?? []) {
        // "<key type> <name>", as K3s answers since it has more than one key type.
        if (active) status.activekey = `AES-CBC ${key.name}`;
        else (status.inactivekeys ??= []).push(`AES-CBC ${key.name}`);
        active = false;
      }
      if (p.identity) active = false;
    }
    return status;
  }

  /** Runs one `PUT /v1-k3s/encrypt/config` request. */
  request(req: EncryptionRequest): Promise<void> {
    const run = this.#queue.then(() => this.#request(req));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #request(req: EncryptionRequest): Promise<void> {
    if (!this.enabled || !this.#loaded) {
      throw new Error(
        `secrets encryption is not enabled on this server (start it with --secrets-encryption): ${this.paths.config} is not in use`,
      );
    }
    const force = req.force === true;
    if (req.stage !== undefined) {
      switch (req.stage) {
        case STAGES.prepare:
          return await this.#prepare(force);
        case STAGES.rotate:
          return await this.#rotate(force);
        case ROTATE_KEYS_STAGE:
          return await this.#rotateKeys();
        case STAGES.reencryptActive:
          return await this.#reencryptStage(force, req.skip === true);
        default:
          throw new Error(`unknown stage ${req.stage} requested`);
      }
    }
    if (req.enable !== undefined) return await this.#enable(req.enable);
  }

  /** Checks that the stage is one of `allowed` and the config is the one it was recorded for. */
  async #verifyStage(allowed: string[]): Promise<void> {
    const state = await readState(this.paths.state);
    const node = this.#opts.nodeName;
    if (!state) throw new Error(`missing encryption state ${this.paths.state}`);
    if (!allowed.includes(state.stage)) {
      throw new Error(`incorrect stage: ${state.stage} found on node ${node}`);
    }
    if (state.hash !== configHash(this.#loaded!.text)) {
      throw new Error(`invalid hash: ${state.hash} found on node ${node}`);
    }
  }

  async #writeConfig(config: EncryptionConfiguration): Promise<Loaded> {
    // Parsed before it is written: a configuration that cannot load never reaches the disk.
    new ProvidersTransformer(config.resources[0].providers);
    return this.#load(await writeConfig(this.paths.config, config));
  }

  async #setStage(stage: string): Promise<void> {
    await writeState(this.paths.state, stage, this.#loaded!.text);
  }

  #appendKey(keys: ReturnType<typeof keysOf>): void {
    let name = addedKeyName(this.#opts.now?.() ?? new Date());
    // Two keys added within a second would share K3s's name; the datastore must tell them apart.
    for (let i = 1; keys.some((k) => k.name === name); i++) name = `${name.split("~")[0]}~${i}`;
    keys.push(newKey(name));
    this.#log(`Adding secrets-encryption key: ${name}`);
  }

  async #prepare(force: boolean): Promise<void> {
    await this.#verifyStage([STAGES.start, STAGES.reencryptFinished]).catch((e) => {
      if (!force) throw e;
    });
    const keys = keysOf(this.#loaded!.config);
    this.#appendKey(keys);
    await this.#writeConfig(buildConfig(keys, true));
    await this.#setStage(STAGES.prepare);
  }

  async #rotate(force: boolean): Promise<void> {
    await this.#verifyStage([STAGES.prepare]).catch((e) => {
      if (!force) throw e;
    });
    const keys = keysOf(this.#loaded!.config);
    await this.#writeConfig(buildConfig([...keys.slice(-1), ...keys.slice(0, -1)], true));
    this.#log("Encryption keys right rotated");
    await this.#setStage(STAGES.rotate);
  }

  async #rotateKeys(): Promise<void> {
    await this.#verifyStage([STAGES.start, STAGES.reencryptFinished]);
    const keys = keysOf(this.#loaded!.config);
    this.#appendKey(keys);
    this.#log("Rotating secrets-encryption keys");
    await this.#writeConfig(buildConfig([...keys.slice(-1), ...keys.slice(0, -1)], true));
    await this.#reencrypt(false);
  }

  async #reencryptStage(force: boolean, skip: boolean): Promise<void> {
    await this.#verifyStage([STAGES.rotate]).catch((e) => {
      if (!force) throw e;
    });
    await this.#reencrypt(skip);
  }

  async #enable(enable: boolean): Promise<void> {
    const config = this.#loaded!.config;
    const now = enabledIn(config);
    if (now === null) {
      throw new Error("unable to enable/disable secrets encryption, unknown configuration");
    }
    if (now === enable) {
      this.#log(`Secrets encryption already ${enable ? "enabled" : "disabled"}`);
      return;
    }
    this.#log(`${enable ? "Enabling" : "Disabling"} secrets encryption`);
    await this.#writeConfig(buildConfig(keysOf(config), enable));
    await this.#reencrypt(true);
  }

  /**
   * Writes every secret back with the current configuration. Without `skip` the last key is
   * then dropped (the one a rotation moved to the end) and the stage is reencrypt_finished;
   * with `skip` the keys stay and the stage returns to what it was.
   */
  async #reencrypt(skip: boolean): Promise<void> {
    const store = this.#secrets;
    if (!store) throw new Error("Cannot reencrypt: the secrets store is not attached");
    const before = (await readState(this.paths.state))?.stage ?? STAGES.start;
    await this.#setStage(STAGES.reencryptRequest);
    await this.#setStage(STAGES.reencryptActive);
    const { items } = await store.list("");
    let count = 0;
    for (const item of items) {
      const meta = item.obj.metadata as { namespace?: string; name?: string };
      if (await store.rewrite(meta.namespace ?? "", meta.name!)) count++;
    }
    this.#log(`completed reencrypt of ${count} secrets`);
    if (skip) return await this.#setStage(before);
    const keys = keysOf(this.#loaded!.config);
    if (keys.length > 1) {
      const removed = keys.pop()!;
      const enabled = enabledIn(this.#loaded!.config) ?? true;
      await this.#writeConfig(buildConfig(keys, enabled));
      this.#log(`Removed key: ${removed.name}`);
    }
    await this.#setStage(STAGES.reencryptFinished);
  }
}
