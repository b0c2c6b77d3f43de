/**
 * The message registry behind the codec, built lazily from the generated table in
 * `schema_data.ts`.
 *
 * Table format: each package is `[alias, apiVersion, kinds, messages]`. A message is a
 * space-separated list of fields `number:jsonName:type[:flags]`:
 *
 * - type: a scalar code (`s` string, `b` bool, `i` int32, `l` int64, `u` uint32, `w` uint64,
 *   `d` double, `f` float, `y` bytes), or a message name (bare within the package, else
 *   `alias.Name`); `*T` is `repeated T`; `K>V` is `map<K, V>`.
 * - flags: `a` Go always writes the field (a non-pointer scalar or struct), `o` its JSON tag has
 *   `omitempty`, `i` the JSON tag is `,inline` (the sub-message's fields sit in the parent
 *   object; the JSON name is empty).
 * - kinds: the kinds `register.go` adds to the group version; `alias.Name` for a message of
 *   another package; `+meta` for the kinds `metav1.AddToGroupVersion` adds (`META_KINDS`).
 *
 * @module
 */

import { ARRAY_WRAPPERS, META_KINDS, PACKAGES, UNVERSIONED_KINDS } from "./schema_data.ts";

/** Scalar codes of the table. */
export type Scalar = "s" | "b" | "i" | "l" | "u" | "w" | "d" | "f" | "y";

/** Messages whose JSON form is not an object of their fields. */
export type Special =
  | "time"
  | "microTime"
  | "duration"
  | "quantity"
  | "intOrString"
  | "rawExtension"
  | "fieldsV1"
  | "json"
  | "propsOrArray"
  | "propsOrBool"
  | "propsOrStringArray"
  | "array";

const SPECIALS: Record<string, Special> = {
  "meta.v1.Time": "time",
  "meta.v1.MicroTime": "microTime",
  "meta.v1.Duration": "duration",
  "meta.v1.FieldsV1": "fieldsV1",
  "resource.Quantity": "quantity",
  "resource.QuantityValue": "quantity",
  "intstr.IntOrString": "intOrString",
  "runtime.RawExtension": "rawExtension",
  "apiextensions.v1.JSON": "json",
  "apiextensions.v1.JSONSchemaPropsOrArray": "propsOrArray",
  "apiextensions.v1.JSONSchemaPropsOrBool": "propsOrBool",
  "apiextensions.v1.JSONSchemaPropsOrStringArray": "propsOrStringArray",
};
for (const name of ARRAY_WRAPPERS) SPECIALS[name] = "array";

/** One field of a message. */
export interface Field {
  readonly no: number;
  /** JSON name; empty for an inline field. */
  readonly json: string;
  /** Scalar code, or undefined for a message-typed value. */
  readonly scalar?: Scalar;
  /** Full name of the value's message type, when not a scalar. */
  readonly type?: string;
  readonly repeated: boolean;
  /** The wire type a single value arrives with. */
  readonly wire: number;
  /** Key scalar of a map field. */
  readonly mapKey?: Scalar;
  readonly always: boolean;
  readonly inline: boolean;
  /** A zero scalar is dropped from JSON (Go `omitempty` on a non-pointer scalar or `[]byte`). */
  readonly omitZero: boolean;
}

/** One message type. */
export interface Message {
  /** `alias.Name`, e.g. `core.v1.Pod`. */
  readonly name: string;
  /** Fields ordered by number (the order Go writes them). */
  readonly fields: readonly Field[];
  /** Fields indexed by number. */
  readonly byNo: readonly (Field | undefined)[];
  readonly special?: Special;
}

/** The wire type of a scalar: varint, fixed64 (`d`), fixed32 (`f`) or length-delimited. */
export function wireOf(code: Scalar): number {
  if (code === "s" || code === "y") return 2;
  return code === "d" ? 1 : code === "f" ? 5 : 0;
}

const SCALAR_CODES = new Set(["s", "b", "i", "l", "u", "w", "d", "f", "y"]);

/** Resolves messages by full name and kinds by apiVersion; parses each message once. */
export class Schema {
  #specs = new Map<string, string>();
  #messages = new Map<string, Message>();
  #kinds = new Map<string, Map<string, string>>();

  constructor() {
    for (const [alias, apiVersion, kinds, messages] of PACKAGES) {
      for (const [name, spec] of Object.entries(messages)) {
        this.#specs.set(`${alias}.${name}`, spec);
      }
      if (!apiVersion) continue;
      const byKind = new Map<string, string>();
      for (const k of kinds.split(" ")) {
        if (!k) continue;
        if (k === "+meta") {
          for (const m of META_KINDS) byKind.set(m, `meta.v1.${m}`);
        } else {
          byKind.set(k.slice(k.lastIndexOf(".") + 1), k.includes(".") ? k : `${alias}.${k}`);
        }
      }
      this.#kinds.set(apiVersion, byKind);
    }
  }

  /** The message registered for `apiVersion` + `kind`, or undefined. */
  kind(apiVersion: string, kind: string): Message | undefined {
    const name = this.#kinds.get(apiVersion)?.get(kind) ??
      (UNVERSIONED_KINDS.includes(kind) ? `meta.v1.${kind}` : undefined);
    return name === undefined ? undefined : this.message(name);
  }

  /** The apiVersions that have registered kinds. */
  apiVersions(): string[] {
    return [...this.#kinds.keys()];
  }

  /** The message with full name `name` (`core.v1.Pod`). */
  message(name: string): Message {
    let m = this.#messages.get(name);
    if (m) return m;
    const spec = this.#specs.get(name);
    if (spec === undefined) throw new Error(`protobuf schema has no message ${name}`);
    m = parseMessage(name, spec);
    this.#messages.set(name, m);
    return m;
  }

  /** Every message name in the table. */
  messageNames(): string[] {
    return [...this.#specs.keys()];
  }
}

function parseMessage(name: string, spec: string): Message {
  const pkg = name.slice(0, name.lastIndexOf("."));
  const fields: Field[] = [];
  for (const tok of spec.split(" ")) {
    if (!tok) continue;
    const [no, json, rawType, flags = ""] = tok.split(":");
    let type = rawType;
    let repeated = false;
    let mapKey: Scalar | undefined;
    if (type.startsWith("*")) {
      repeated = true;
      type = type.slice(1);
    }
    const arrow = type.indexOf(">");
    if (arrow > 0) {
      mapKey = type.slice(0, arrow) as Scalar;
      type = type.slice(arrow + 1);
    }
    const isScalar = SCALAR_CODES.has(type);
    const always = flags.includes("a");
    fields.push({
      no: Number(no),
      json,
      scalar: isScalar ? type as Scalar : undefined,
      type: isScalar ? undefined : type.includes(".") ? type : `${pkg}.${type}`,
      repeated,
      wire: mapKey || !isScalar ? 2 : wireOf(type as Scalar),
      mapKey,
      always,
      inline: flags.includes("i"),
      // Go's omitempty drops "", 0 and false of non-pointer scalars, and an empty []byte.
      omitZero: isScalar && (always || type === "y") && flags.includes("o") && !repeated &&
        !mapKey,
    });
  }
  const byNo: (Field | undefined)[] = [];
  for (const f of fields) byNo[f.no] = f;
  return { name, fields, byNo, special: SPECIALS[name] };
}

/** The shared registry; parsing is lazy, so building it is cheap. */
export const schema: Schema = new Schema();
