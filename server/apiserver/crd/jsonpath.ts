/**
 * The JSONPath subset of CRD printer columns and scale paths: fields (`.spec.replicas`,
 * `['a.b']`), indexes (`[0]`, `[-1]`), `[*]`, and filters on one field (`[?(@.type=="Ready")]`).
 * A path evaluates to the list of values it selects; a printer column shows the first.
 *
 * @module
 */
import { isObj } from "./schema.ts";

type Segment =
  | { field: string }
  | { index: number }
  | { all: true }
  | { filter: { path: string[]; op: "==" | "!=" | "exists"; value?: unknown } };

/** Parses a path; throws with the reason when it is not in the supported subset. */
export function parseJsonPath(text: string): Segment[] {
  let s = text.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  const out: Segment[] = [];
  let i = 0;
  const ident = /^[A-Za-z0-9_\-$@\\/]+/;
  while (i < s.length) {
    const c = s[i];
    if (c === ".") {
      const m = ident.exec(s.slice(i + 1));
      if (!m) {
        if (i === 0 && s.length === 1) return out;
        throw new Error(`unexpected "${s.slice(i)}"`);
      }
      out.push({ field: m[0] });
      i += 1 + m[0].length;
    } else if (c === "[") {
      const end = s.indexOf("]", i);
      if (end < 0) throw new Error("unterminated [");
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === "*") out.push({ all: true });
      else if (/^-?\d+$/.test(inner)) out.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) out.push({ field: inner.slice(1, -1) });
      else if (inner.startsWith("?(") && inner.endsWith(")")) {
        out.push({ filter: parseFilter(inner.slice(2, -1)) });
      } else throw new Error(`unsupported subscript [${inner}]`);
    } else throw new Error(`unexpected "${s.slice(i)}"`);
  }
  return out;
}

function parseFilter(
  text: string,
): { path: string[]; op: "==" | "!=" | "exists"; value?: unknown } {
  const m = /^@((?:\.[A-Za-z0-9_\-]+)+)\s*(?:(==|!=)\s*(.+))?$/.exec(text.trim());
  if (!m) throw new Error(`unsupported filter ${text}`);
  const path = m[1].slice(1).split(".");
  if (!m[2]) return { path, op: "exists" };
  const raw = m[3].trim();
  let value: unknown;
  if (/^'.*'$|^".*"$/.test(raw)) value = raw.slice(1, -1);
  else if (raw === "true" || raw === "false") value = raw === "true";
  else if (!Number.isNaN(Number(raw))) value = Number(raw);
  else throw new Error(`unsupported filter value ${raw}`);
  return { path, op: m[2] as "==" | "!=", value };
}

function lookup(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** The values a parsed path selects in `obj`. */
export function evalJsonPath(segments: Segment[], obj: unknown): unknown[] {
  let cur: unknown[] = [obj];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ("field" in seg) {
        if (isObj(v) && Object.hasOwn(v, seg.field)) next.push(v[seg.field]);
      } else if ("index" in seg) {
        if (Array.isArray(v)) {
          const i = seg.index < 0 ? v.length + seg.index : seg.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if ("all" in seg) {
        if (Array.isArray(v)) next.push(...v);
        else if (isObj(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        const f = seg.filter;
        for (const item of v) {
          const x = lookup(item, f.path);
          const keep = f.op === "exists"
            ? x !== undefined
            : f.op === "=="
            ? x === f.value
            : x !== undefined && x !== f.value;
          if (keep) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
