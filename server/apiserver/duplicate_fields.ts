/**
 * Duplicate-field detection for `?fieldValidation=Strict|Warn`: the body is parsed once the fast
 * way (`JSON.parse`, or YAML with later keys winning, as upstream's non-strict decoders do), and
 * only when a mode asks for it is the raw text scanned a second time for keys set twice.
 *
 * @module
 */
import { parseDocument } from "yaml";

/** A key given twice in one JSON object: its path (`spec.template.spec.containers[0].image`). */
export interface DuplicateField {
  path: string;
  /** The ordinal of the repeated key among all keys of the document, for ordering messages. */
  at: number;
}

interface Frame {
  object: boolean;
  /** How the parent addresses this container: `name` under an object, `[i]` under an array. */
  seg: string;
  keys: Set<string> | null;
  expectKey: boolean;
  key: string;
  index: number;
}

/**
 * Keys set twice in the same JSON object, in document order (the second and later occurrences).
 * One pass over the text; malformed JSON yields whatever was found before the error (the caller
 * has parsed the text already). `order`, when given, receives each path's first ordinal.
 */
export function jsonDuplicateFields(text: string, order?: Map<string, number>): DuplicateField[] {
  const out: DuplicateField[] = [];
  const stack: Frame[] = [];
  let ordinal = 0;
  const childSeg = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return "";
    return top.object ? top.key : `[${top.index}]`;
  };
  const pathOf = (key: string): string => {
    let path = "";
    for (let i = 1; i < stack.length; i++) path = join(path, stack[i].seg);
    return join(path, key);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x7b: // {
      case 0x5b: // [
        stack.push({
          object: c === 0x7b,
          seg: childSeg(),
          keys: c === 0x7b ? new Set() : null,
          expectKey: c === 0x7b,
          key: "",
          index: 0,
        });
        break;
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        break;
      case 0x2c: { // ,
        const top = stack[stack.length - 1];
        if (top?.object) top.expectKey = true;
        else if (top) top.index++;
        break;
      }
      case 0x3a: { // :
        const top = stack[stack.length - 1];
        if (top) top.expectKey = false;
        break;
      }
      case 0x22: { // "
        const j = stringEnd(text, i);
        const top = stack[stack.length - 1];
        if (top?.object && top.expectKey) {
          const raw = text.slice(i + 1, j);
          let key = raw;
          if (raw.includes("\\")) {
            try {
              key = JSON.parse(`"${raw}"`);
            } catch { /* malformed: keep the raw text */ }
          }
          top.key = key;
          ordinal++;
          if (top.keys!.has(key)) out.push({ path: pathOf(key), at: ordinal });
          else {
            top.keys!.add(key);
            if (order) order.set(pathOf(key), ordinal);
          }
        }
        i = j;
        break;
      }
    }
  }
  return out;
}

/** The index of the quote closing the string that opens at `start` (or the text's length). */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let b = q - 1; b > start && text.charCodeAt(b) === 0x5c; b--) backslashes++;
    if (backslashes % 2 === 0) return q;
    from = q + 1;
  }
}

function join(path: string, seg: string): string {
  if (!path) return seg;
  return seg.startsWith("[") ? path + seg : `${path}.${seg}`;
}

/**
 * Upstream's (go-yaml's) wording for keys set twice in YAML: `line N: key "x" already set in map`,
 * one per repeated key, in line order.
 */
export function yamlDuplicateFields(text: string): string[] {
  const doc = parseDocument(text, { uniqueKeys: true });
  const found: { line: number; key: string }[] = [];
  for (const err of doc.errors) {
    if (err.code !== "DUPLICATE_KEY") continue;
    const line = err.linePos?.[0].line ?? 0;
    found.push({ line, key: keyAt(text, err.pos[0]) });
  }
  found.sort((a, b) => a.line - b.line);
  return found.map((f) => `line ${f.line}: key ${JSON.stringify(f.key)} already set in map`);
}

/** The plain or quoted key starting at `offset` of a YAML text. */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset);
  const quoted = /^(["'])((?:\\.|(?!\1).)*)\1/.exec(rest);
  if (quoted) return quoted[1] === '"' ? JSON.parse(`"${quoted[2]}"`) : quoted[2];
  const plain = /^([^:\n]*?)\s*:(\s|$)/.exec(rest);
  return plain ? plain[1] : rest.split("\n")[0];
}
