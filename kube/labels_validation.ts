/**
 * Validation of label keys and values, annotation keys, qualified names and DNS-1123 names, with
 * upstream's messages word for word (clients and tests match on them).
 *
 * The `is*` functions return the bare messages (empty when valid); the `validate*` functions wrap
 * them as `FieldError`s for a field path.
 *
 * @module
 */

import type { FieldError } from "./errors.ts";

const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX = 63;

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
/** Maximum length of a label value, in bytes. */
export const LABEL_VALUE_MAX_LENGTH = 63;

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
/** Maximum length of a DNS-1123 label. */
export const DNS1123_LABEL_MAX_LENGTH = 63;

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
/** Maximum length of a DNS-1123 subdomain. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

/** Total size limit of `metadata.annotations` (keys plus values), in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** UTF-8 byte length, as Go's `len(string)` counts. */
export function byteLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      // A surrogate pair is 4 bytes for 2 code units.
      i++;
      n += 2;
    } else n += 2;
  }
  return n;
}

/** `must be no more than N bytes`. */
export function maxLenError(length: number): string {
  return `must be no more than ${length} bytes`;
}

/** Upstream's regex explanation: `msg (e.g. 'a',  or 'b', regex used for validation is 're')`. */
export function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  let out = msg + " (e.g. ";
  for (let i = 0; i < examples.length; i++) {
    if (i > 0) out += " or ";
    out += `'${examples[i]}', `;
  }
  return out + `regex used for validation is '${re}')`;
}

/** Messages for a value that is not a DNS-1123 label (`my-name`). */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) {
    errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  }
  if (!DNS1123_LABEL_RE.test(value)) {
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push("must not contain dots");
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"));
  }
  return errs;
}

/** Messages for a value that is not a DNS-1123 subdomain (`example.com`). */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  }
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"));
  }
  return errs;
}

/**
 * Messages for a value that is not a qualified name (the form of label keys, annotation keys and
 * finalizers): an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 bytes.
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const msg of isDNS1123Subdomain(prefix)) errs.push("prefix part " + msg);
  } else {
    errs.push(
      "a valid label key " +
        regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc") +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
    return errs;
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (byteLength(name) > QUALIFIED_NAME_MAX) {
    errs.push("name part " + maxLenError(QUALIFIED_NAME_MAX));
  }
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      "name part " +
        regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"),
    );
  }
  return errs;
}

/** Label keys are qualified names. */
export const isLabelKey: (value: string) => string[] = isQualifiedName;

/** Messages for a value that is not a valid label value (empty, or at most 63 bytes). */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
  }
  return errs;
}

function invalidEach(field: string, value: unknown, msgs: string[]): FieldError[] {
  return msgs.map((detail) => ({ type: "FieldValueInvalid", field, value, detail }));
}

/** Field errors for a qualified name (also used for finalizer names). */
export function validateQualifiedName(value: string, field: string): FieldError[] {
  return invalidEach(field, value, isQualifiedName(value));
}

/** Field errors for one label key (upstream's `ValidateLabelName`). */
export function validateLabelKey(key: string, field: string): FieldError[] {
  return invalidEach(field, key, isQualifiedName(key));
}

/** Field errors for one label value. */
export function validateLabelValue(value: string, field: string): FieldError[] {
  return invalidEach(field, value, isValidLabelValue(value));
}

/** Field errors for a label map; like upstream, every error names the map's own path. */
export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined | null,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const key in labels) {
    if (!Object.hasOwn(labels, key)) continue;
    errs.push(...validateLabelKey(key, field));
    errs.push(...validateLabelValue(labels[key], field));
  }
  return errs;
}

/**
 * Field errors for an annotation map: keys are qualified names compared case-insensitively, and
 * keys plus values may not exceed 256 KiB in total.
 */
export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined | null,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  let total = 0;
  for (const key in annotations) {
    if (!Object.hasOwn(annotations, key)) continue;
    errs.push(...invalidEach(field, key, isQualifiedName(key.toLowerCase())));
    total += byteLength(key) + byteLength(annotations[key] ?? "");
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({
      type: "FieldValueTooLong",
      field,
      detail: `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return errs;
}

/** Field errors for a DNS-1123 label (namespace names, service names, ...). */
export function validateDNS1123Label(value: string, field: string): FieldError[] {
  return invalidEach(field, value, isDNS1123Label(value));
}

/** Field errors for a DNS-1123 subdomain (most object names). */
export function validateDNS1123Subdomain(value: string, field: string): FieldError[] {
  return invalidEach(field, value, isDNS1123Subdomain(value));
}
