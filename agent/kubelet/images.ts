/**
 * Image pulls as the kubelet does them: `imagePullPolicy` (`Always`, `IfNotPresent`, `Never`;
 * `:latest` or no tag defaults to `Always`), the `Pulling`/`Pulled`/`Failed`/`BackOff` events, and
 * the per-image backoff that turns a failed pull (`ErrImagePull`, with the runtime's message)
 * into `ImagePullBackOff` until the next attempt is due.
 *
 * @module
 */
import { CriError, RuntimeUnavailableError } from "../../cri/errors.ts";
import type { ImageService } from "../../cri/service.ts";
import type { Container, Pod } from "../../kube/client/types.ts";
import type { KeyedBackoff } from "./backoff.ts";
import type { WaitingReason } from "./status.ts";

export interface ImageEvents {
  event(
    pod: Pod,
    container: Container,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): void;
}

/** A pull that did not give an image: the waiting reason, and when to try again. */
export class ImagePullError extends Error {
  readonly waiting: WaitingReason;
  readonly retryAfterMs: number;
  constructor(waiting: WaitingReason, retryAfterMs: number) {
    super(waiting.message ?? waiting.reason);
    this.waiting = waiting;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The pull policy in effect (the API server defaults it; this covers static pods). */
export function pullPolicy(container: Container): string {
  const policy = container.imagePullPolicy as string | undefined;
  if (policy) return policy;
  const image = container.image ?? "";
  const tag = /:([^/:@]+)$/.exec(image.split("@")[0])?.[1];
  return image.includes("@")
    ? "IfNotPresent"
    : !tag || tag === "latest"
    ? "Always"
    : "IfNotPresent";
}

export class ImageManager {
  readonly #images: ImageService;
  readonly #backoff: KeyedBackoff;
  readonly #events: ImageEvents;
  readonly #failedAt = new Map<string, number>();
  readonly #now: () => number;
  #serial: Promise<unknown> = Promise.resolve();
  readonly #serialize: boolean;

  constructor(images: ImageService, backoff: KeyedBackoff, events: ImageEvents, options: {
    now?: () => number;
    serialize?: boolean;
  } = {}) {
    this.#images = images;
    this.#backoff = backoff;
    this.#events = events;
    this.#now = options.now ?? Date.now;
    this.#serialize = options.serialize ?? true;
  }

  /** Makes sure the container's image is present; resolves to the image reference to run. */
  async ensure(pod: Pod, container: Container): Promise<string> {
    const image = container.image ?? "";
    const policy = pullPolicy(container);
    const present = (await this.#images.imageStatus({ image })).image;
    if (present && policy !== "Always") {
      this.#events.event(
        pod,
        container,
        "Normal",
        "Pulled",
        `Container image "${image}" already present on machine`,
      );
      return present.id;
    }
    if (policy === "Never") {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.#events.event(pod, container, "Warning", "ErrImageNeverPull", message);
      throw new ImagePullError({ reason: "ErrImageNeverPull", message }, 30_000);
    }
    const key = `${pod.metadata.uid}/${image}`;
    const failedAt = this.#failedAt.get(key);
    if (failedAt !== undefined) {
      const remaining = this.#backoff.remaining(key, failedAt);
      if (remaining > 0) {
        const message = `Back-off pulling image "${image}"`;
        this.#events.event(pod, container, "Normal", "BackOff", message);
        throw new ImagePullError({ reason: "ImagePullBackOff", message }, remaining);
      }
    }
    this.#events.event(pod, container, "Normal", "Pulling", `Pulling image "${image}"`);
    const started = this.#now();
    try {
      const ref = await this.#pull(image);
      this.#failedAt.delete(key);
      this.#backoff.reset(key);
      const took = ((this.#now() - started) / 1000).toFixed(3);
      const size = (await this.#images.imageStatus({ image })).image?.size;
      this.#events.event(
        pod,
        container,
        "Normal",
        "Pulled",
        `Successfully pulled image "${image}" in ${took}s (${took}s including waiting)${
          size ? `. Image size: ${size} bytes.` : ""
        }`,
      );
      return ref;
    } catch (error) {
      const at = this.#now();
      this.#failedAt.set(key, at);
      const delay = this.#backoff.next(key, at);
      const message = `Failed to pull image "${image}": ${criMessage(error)}`;
      this.#events.event(pod, container, "Warning", "Failed", message);
      this.#events.event(pod, container, "Warning", "Failed", "Error: ErrImagePull");
      // Look again soon: the pod then shows ImagePullBackOff until `delay` has passed.
      throw new ImagePullError({ reason: "ErrImagePull", message }, Math.min(delay, 2000));
    }
  }

  #pull(image: string): Promise<string> {
    if (!this.#serialize) {
      return this.#images.pullImage({ image }, undefined, undefined, { timeoutMs: 600_000 });
    }
    const next = this.#serial.then(() =>
      this.#images.pullImage({ image }, undefined, undefined, { timeoutMs: 600_000 })
    );
    this.#serial = next.catch(() => {});
    return next;
  }

  forgetPod(uid: string): void {
    for (const key of this.#failedAt.keys()) {
      if (key.startsWith(`${uid}/`)) {
        this.#failedAt.delete(key);
        this.#backoff.reset(key);
      }
    }
  }
}

/** The runtime's own words from a CRI error ("rpc error: code = … desc = …" as Go prints it). */
export function criMessage(error: unknown): string {
  if (error instanceof CriError && !(error instanceof RuntimeUnavailableError)) {
    const code = error.code.toLowerCase().split("_")
      .map((w) => w[0].toUpperCase() + w.slice(1)).join("");
    return `rpc error: code = ${code} desc = ${error.details}`;
  }
  return (error as Error).message ?? String(error);
}
