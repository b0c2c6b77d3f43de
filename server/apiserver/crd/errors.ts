/**
 * Field error constructors in upstream's `field.Required/Invalid/Forbidden/NotSupported` shapes.
 *
 * @module
 */
import { type FieldError, formatFieldError } from "../../../kube/errors.ts";

export function required(field: string, detail = ""): FieldError {
  return detail
    ? { type: "FieldValueRequired", field, detail }
    : { type: "FieldValueRequired", field };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, value, detail };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: "FieldValueForbidden", field, detail };
}

export function notSupported(
  field: string,
  value: unknown,
  allowed: readonly string[],
): FieldError {
  return {
    type: "FieldValueNotSupported",
    field,
    value,
    detail: `supported values: ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
  };
}

/** Sorts errors by their text, as upstream sorts structural schema errors. */
export function sortByText(errs: FieldError[]): FieldError[] {
  return errs.map((e) => ({ e, t: formatFieldError(e) })).sort((a, b) =>
    a.t < b.t ? -1 : a.t > b.t ? 1 : 0
  )
    .map((x) => x.e);
}
