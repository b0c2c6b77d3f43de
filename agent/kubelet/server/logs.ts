/**
 * Container logs from the CRI log files (`<time> <stream> <P|F> <content>` lines, as containerd
 * writes them): `tailLines`, `sinceSeconds`/`sinceTime`, `timestamps`, `limitBytes`, and
 * `follow`, which keeps reading as the file grows (and across a rotation) until the container
 * stops.
 *
 * @module
 */
import { open, stat } from "node:fs/promises";

export interface CriLogLine {
  /** RFC 3339 with nanoseconds, as written. */
  time: string;
  stream: "stdout" | "stderr";
  /** True for a `P` (partial) line: its content continues in the next line. */
  partial: boolean;
  content: string;
}

/** Parses one CRI log line (without its newline); undefined when it is not one. */
export function parseCriLine(line: string): CriLogLine | undefined {
  const a = line.indexOf(" ");
  const b = line.indexOf(" ", a + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const c = line.indexOf(" ", b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return {
    time: line.slice(0, a),
    stream,
    partial: tag.split(":")[0] === "P",
    content: c < 0 ? "" : line.slice(c + 1),
  };
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceTime?: Date;
  timestamps?: boolean;
  limitBytes?: number;
  /** Which streams (default both). */
  stream?: "stdout" | "stderr" | "All";
}

/** Parses the kubelet's query parameters. */
export function logOptionsFrom(params: URLSearchParams, now = Date.now()): LogOptions {
  const bool = (name: string) => ["true", "1", "True"].includes(params.get(name) ?? "");
  const int = (name: string) => {
    const v = params.get(name);
    if (v === null || v === "") return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
    return n;
  };
  const since = int("sinceSeconds");
  const sinceTime = params.get("sinceTime");
  const stream = params.get("stream");
  return {
    follow: bool("follow"),
    tailLines: int("tailLines"),
    limitBytes: int("limitBytes"),
    timestamps: bool("timestamps"),
    sinceTime: since !== undefined
      ? new Date(now - since * 1000)
      : sinceTime
      ? new Date(sinceTime)
      : undefined,
    stream: stream === "Stdout" ? "stdout" : stream === "Stderr" ? "stderr" : undefined,
  };
}

/** Nanosecond-precise comparison of an RFC 3339 time with a Date. */
function notBefore(time: string, since: Date): boolean {
  const ms = Date.parse(time);
  return Number.isNaN(ms) || ms >= since.getTime();
}

/** Formats complete entries from lines (partial lines are joined to their final part). */
class Formatter {
  #pending = "";
  readonly #o: LogOptions;
  constructor(options: LogOptions) {
    this.#o = options;
  }
  /** The output of one line, or "" when it is filtered out or incomplete. */
  line(raw: string): string {
    const entry = parseCriLine(raw);
    if (!entry) return "";
    if (this.#o.stream && this.#o.stream !== "All" && entry.stream !== this.#o.stream) return "";
    if (this.#o.sinceTime && !notBefore(entry.time, this.#o.sinceTime)) return "";
    const prefix = this.#o.timestamps && !this.#pending ? `${entry.time} ` : "";
    if (entry.partial) {
      this.#pending += prefix + entry.content;
      return "";
    }
    const out = this.#pending + prefix + entry.content + "\n";
    this.#pending = "";
    return out;
  }
}

/** Writes the log of the file at `path` to `write`; resolves when done (or `signal` aborts). */
export async function readLogs(
  path: string,
  options: LogOptions,
  write: (chunk: string) => Promise<void> | void,
  stillRunning: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<void> {
  const fmt = new Formatter(options);
  let remaining = options.limitBytes ?? Infinity;
  const emit = async (text: string) => {
    if (!text || remaining <= 0) return;
    const piece = text.length > remaining ? text.slice(0, remaining) : text;
    remaining -= piece.length;
    await write(piece);
  };
  let handle = await open(path, "r");
  let position = 0;
  let rest = "";
  try {
    // The first pass: everything there is, then `tailLines` of it.
    const { size } = await handle.stat();
    const buffer = new Uint8Array(size);
    await handle.read(buffer, 0, size, 0);
    position = size;
    const text = new TextDecoder().decode(buffer);
    const lines = text.split("\n");
    rest = lines.pop() ?? "";
    const outputs = lines.map((l) => fmt.line(l)).filter((o) => o !== "");
    const chosen = options.tailLines !== undefined ? outputs.slice(-options.tailLines) : outputs;
    for (const o of chosen) await emit(o);
    if (!options.follow) return;
    let idle = 0;
    while (!signal?.aborted && remaining > 0) {
      const current = await stat(path).catch(() => undefined);
      const { size: now } = await handle.stat();
      if (current && (current.ino !== (await handle.stat()).ino)) {
        // Rotated: finish the old file, then follow the new one from its start.
        await handle.close();
        handle = await open(path, "r");
        position = 0;
        continue;
      }
      if (now > position) {
        const chunk = new Uint8Array(now - position);
        await handle.read(chunk, 0, chunk.length, position);
        position = now;
        const parts = (rest + new TextDecoder().decode(chunk)).split("\n");
        rest = parts.pop() ?? "";
        for (const l of parts) await emit(fmt.line(l));
        idle = 0;
        continue;
      }
      idle++;
      if (idle % 5 === 0 && !(await stillRunning())) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await handle.close();
  }
}
