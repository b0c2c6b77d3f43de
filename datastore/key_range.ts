/**
 * The half-open key range `[prefix, end)` that holds exactly the keys starting with a prefix, in
 * the byte order that both SQLite (BINARY collation on UTF-8) and etcd use.
 *
 * @module
 */

/**
 * The smallest string above every string that starts with `prefix`, by code point (which is UTF-8
 * byte order), or `null` when there is none (empty prefix, or only U+10FFFF characters).
 */
export function prefixEndString(prefix: string): string | null {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join("") + String.fromCodePoint(next);
    }
  }
  return null;
}

/** The same bound as bytes, as etcd's `range_end`; `[0]` (etcd's "to the end") when there is none. */
export function prefixEndBytes(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix); // a copy: Buffer's slice() would be a view
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.slice(0, i + 1);
    }
  }
  return new Uint8Array([0]);
}
