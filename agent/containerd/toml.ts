/**
 * The two TOML spellings the containerd renderers need: a basic string and a quoted key.
 *
 * @module
 */

/** `value` as a TOML basic string: quotes, backslashes and control characters escaped. */
export function tomlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === "\\") out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\t") out += "\\t";
    else if (char === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

/** A list of strings: `["a", "b"]`. */
export function tomlStrings(values: string[]): string {
  return `[${values.map(tomlString).join(", ")}]`;
}
