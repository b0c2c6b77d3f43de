/**
 * A minimal SPDY/3.1 client, enough to drive the CRI streaming server's exec and attach
 * endpoints (Kubernetes' `remotecommand` protocol over SPDY): the HTTP/1.1 upgrade, client
 * streams with headers (`streamtype: stdin|stdout|stderr|error|resize`), data frames with FIN
 * for half-close, PING replies, RST_STREAM and GOAWAY.
 *
 * Header blocks are sent as zlib stored (uncompressed) blocks without a preset dictionary: a
 * valid zlib stream that every SPDY peer inflates. Header blocks the server sends are not
 * needed by a client of these endpoints and are skipped, so no inflater is kept.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";

const TYPE_SYN_STREAM = 1;
const TYPE_SYN_REPLY = 2;
const TYPE_RST_STREAM = 3;
const TYPE_PING = 6;
const TYPE_GOAWAY = 7;
const FLAG_FIN = 0x01;

/** One stream of the connection. */
export interface SpdyStream {
  id: number;
  /** Sends data (with FIN when `fin`). */
  write(data: Uint8Array, fin?: boolean): void;
  /** Half-closes this side. */
  end(): void;
}

export interface SpdyHandlers {
  data(streamId: number, data: Uint8Array): void;
  /** The server finished (FIN) or reset a stream. */
  streamEnd(streamId: number): void;
  /** The connection ended. */
  close(error?: Error): void;
}

/** Encodes a header block (name/value pairs) uncompressed. */
export function encodeHeaderBlock(headers: Record<string, string>): Uint8Array {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(value);
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/**
 * Wraps `data` in zlib stored blocks (with the zlib header first when `first`), ended by an
 * empty stored block: the sync-flush marker after which an inflater has handed out everything,
 * so each header block stands complete in its frame.
 */
export function storedBlocks(data: Uint8Array, first: boolean): Buffer {
  const parts: Buffer[] = first ? [Buffer.from([0x78, 0x01])] : [];
  const block = (chunk: Uint8Array) => {
    const head = Buffer.alloc(5);
    head[0] = 0x00; // BFINAL=0, BTYPE=00 (stored), then alignment bits.
    head.writeUInt16LE(chunk.length, 1);
    head.writeUInt16LE(~chunk.length & 0xffff, 3);
    parts.push(head, Buffer.from(chunk));
  };
  for (let at = 0; at < data.length; at += 65535) {
    block(data.subarray(at, Math.min(at + 65535, data.length)));
  }
  block(new Uint8Array(0));
  return Buffer.concat(parts);
}

function controlFrame(type: number, flags: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, Buffer.from(payload)]);
}

function dataFrame(streamId: number, flags: number, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([head, Buffer.from(data)]);
}

/** A client connection after a successful upgrade. */
export class SpdyClient {
  readonly #socket: Socket;
  readonly #handlers: SpdyHandlers;
  #nextId = 1;
  #firstHeaders = true;
  #buffer: Buffer = Buffer.alloc(0);
  #closed = false;

  private constructor(socket: Socket, handlers: SpdyHandlers, rest: Buffer) {
    this.#socket = socket;
    this.#handlers = handlers;
    socket.on("data", (chunk: Buffer) => this.#receive(chunk));
    socket.on("close", () => this.#finish());
    socket.on("error", (e) => this.#finish(e));
    if (rest.length) this.#receive(rest);
  }

  /**
   * Connects to `url` (`http://host:port/path`), asks to upgrade to SPDY/3.1 with the given
   * stream protocols, and resolves to the client and the protocol the server chose.
   */
  static connect(
    url: string,
    protocols: string[],
    handlers: SpdyHandlers,
  ): Promise<{ client: SpdyClient; protocol: string }> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.hostname, port: Number(target.port || 80) });
      let head = Buffer.alloc(0);
      const fail = (e: Error) => {
        socket.destroy();
        reject(e);
      };
      socket.once("error", fail);
      socket.once("connect", () => {
        const lines = [
          `POST ${target.pathname}${target.search} HTTP/1.1`,
          `Host: ${target.host}`,
          "Connection: Upgrade",
          "Upgrade: SPDY/3.1",
          ...protocols.map((p) => `X-Stream-Protocol-Version: ${p}`),
          "Content-Length: 0",
        ];
        socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      });
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onData);
        socket.off("error", fail);
        const text = head.subarray(0, end).toString("latin1");
        const status = Number(/^HTTP\/1\.[01] (\d+)/.exec(text)?.[1] ?? 0);
        if (status !== 101) {
          fail(
            new Error(
              `the runtime's stream server answered ${text.split("\r\n")[0]}: ${
                head.subarray(end + 4).toString()
              }`,
            ),
          );
          return;
        }
        const protocol = /^x-stream-protocol-version:\s*(.+)$/im.exec(text)?.[1]?.trim() ?? "";
        const client = new SpdyClient(socket, handlers, head.subarray(end + 4));
        resolve({ client, protocol });
      };
      socket.on("data", onData);
    });
  }

  /** Opens a stream with these headers. */
  open(headers: Record<string, string>): SpdyStream {
    const id = this.#nextId;
    this.#nextId += 2;
    const block = storedBlocks(encodeHeaderBlock(headers), this.#firstHeaders);
    this.#firstHeaders = false;
    const payload = Buffer.alloc(10);
    payload.writeUInt32BE(id & 0x7fffffff, 0);
    payload.writeUInt32BE(0, 4);
    payload[8] = 0;
    payload[9] = 0;
    this.#send(controlFrame(TYPE_SYN_STREAM, 0, Buffer.concat([payload, block])));
    let ended = false;
    return {
      id,
      write: (data, fin = false) => {
        if (ended) return;
        if (fin) ended = true;
        for (let at = 0; at < data.length || (fin && at === 0); at += 32_768) {
          const chunk = data.subarray(at, Math.min(at + 32_768, data.length));
          const last = at + 32_768 >= data.length;
          this.#send(dataFrame(id, fin && last ? FLAG_FIN : 0, chunk));
          if (data.length === 0) break;
        }
      },
      end: () => {
        if (ended) return;
        ended = true;
        this.#send(dataFrame(id, FLAG_FIN, new Uint8Array(0)));
      },
    };
  }

  #send(frame: Buffer): void {
    if (!this.#closed) this.#socket.write(frame);
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    while (this.#buffer.length >= 8) {
      const length = this.#buffer.readUInt32BE(4) & 0xffffff;
      if (this.#buffer.length < 8 + length) return;
      const frame = this.#buffer.subarray(0, 8 + length);
      this.#buffer = this.#buffer.subarray(8 + length);
      this.#frame(frame);
    }
  }

  #frame(frame: Buffer): void {
    const flags = frame[4];
    const payload = frame.subarray(8);
    if (frame[0] & 0x80) {
      const type = frame.readUInt16BE(2);
      if (type === TYPE_PING) this.#send(controlFrame(TYPE_PING, 0, payload));
      else if (type === TYPE_RST_STREAM) {
        this.#handlers.streamEnd(payload.readUInt32BE(0) & 0x7fffffff);
      } else if (type === TYPE_GOAWAY) this.close();
      else if (type === TYPE_SYN_REPLY && flags & FLAG_FIN) {
        this.#handlers.streamEnd(payload.readUInt32BE(0) & 0x7fffffff);
      }
      return;
    }
    const id = frame.readUInt32BE(0) & 0x7fffffff;
    if (payload.length) this.#handlers.data(id, new Uint8Array(payload));
    if (flags & FLAG_FIN) this.#handlers.streamEnd(id);
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.close(error);
  }

  close(): void {
    if (!this.#closed) this.#socket.end();
    this.#socket.destroy();
    this.#finish();
  }
}
