/**
 * Placeholder of the streaming endpoints (exec, attach, port-forward).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../../../kube/client/log.ts";
import type { Pod } from "../../../kube/client/types.ts";
import type { RuntimeService } from "../../../cri/service.ts";
import type { RuntimeView } from "../runtime_pod.ts";

export interface StreamingOptions {
  runtime: RuntimeService;
  view: RuntimeView;
  findPod(namespace: string, name: string, uid?: string): Pod;
  log: Logger;
}

export class StreamingHandler {
  readonly #o: StreamingOptions;
  constructor(options: StreamingOptions) {
    this.#o = options;
  }
  handleRequest(
    _req: IncomingMessage,
    res: ServerResponse,
    _url: URL,
    _parts: string[],
  ): Promise<void> {
    res.writeHead(400);
    res.end("Upgrade request required");
    return Promise.resolve();
  }
  handleUpgrade(
    _req: IncomingMessage,
    socket: Duplex,
    _head: Uint8Array,
    _url: URL,
    _parts: string[],
  ): Promise<void> {
    void this.#o;
    socket.end("HTTP/1.1 501 Not Implemented\r\n\r\n");
    return Promise.resolve();
  }
  closeAll(): void {}
}
