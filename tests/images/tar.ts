/**
 * A minimal ustar writer for test images: directories, regular files and symlinks, written in
 * the order given, with fixed owner (0:0) and modification time so that the same input always
 * makes the same bytes (and so the same layer digest).
 *
 * @module
 */

export type TarEntry =
  | { type: "dir"; name: string; mode?: number }
  | { type: "file"; name: string; data: Uint8Array; mode?: number }
  | { type: "symlink"; name: string; target: string };

const BLOCK = 512;
const encoder = new TextEncoder();

/** The tar archive of `entries` (names relative, without a leading `/`). */
export function tar(entries: TarEntry[], mtime = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const data = entry.type === "file" ? entry.data : new Uint8Array();
    parts.push(header(entry, data.length, mtime));
    if (data.length > 0) {
      parts.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return concat(parts);
}

function header(entry: TarEntry, size: number, mtime: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const name = entry.type === "dir" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
  const [prefix, base] = splitName(name);
  const mode = entry.type === "symlink"
    ? 0o777
    : entry.mode ?? (entry.type === "dir" ? 0o755 : 0o644);
  const typeflag = entry.type === "file" ? "0" : entry.type === "symlink" ? "2" : "5";
  put(block, 0, 100, base);
  put(block, 100, 8, octal(mode, 7));
  put(block, 108, 8, octal(0, 7));
  put(block, 116, 8, octal(0, 7));
  put(block, 124, 12, octal(size, 11));
  put(block, 136, 12, octal(mtime, 11));
  put(block, 148, 8, "        ");
  put(block, 156, 1, typeflag);
  if (entry.type === "symlink") put(block, 157, 100, entry.target);
  put(block, 257, 6, "ustar\0");
  put(block, 263, 2, "00");
  put(block, 265, 32, "root");
  put(block, 297, 32, "root");
  put(block, 345, 155, prefix);
  const sum = block.reduce((total, byte) => total + byte, 0);
  put(block, 148, 8, `${octal(sum, 6)}\0 `);
  return block;
}

/** ustar keeps names over 100 bytes as prefix (up to 155) + "/" + name (up to 100). */
function splitName(name: string): [string, string] {
  if (encoder.encode(name).length <= 100) return ["", name];
  const cut = name.lastIndexOf("/", name.length - 2);
  const prefix = name.slice(0, cut);
  const base = name.slice(cut + 1);
  if (cut < 0 || encoder.encode(prefix).length > 155 || encoder.encode(base).length > 100) {
    throw new Error(`Cannot write tar entry ${name}: the name is too long for ustar`);
  }
  return [prefix, base];
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, "0");
}

function put(block: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > length) throw new Error(`Cannot write tar field "${text}": too long`);
  block.set(bytes, offset);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
