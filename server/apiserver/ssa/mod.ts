/**
 * Server-side apply and field ownership, after upstream's structured-merge-diff: field sets in
 * the `FieldsV1` form of `metadata.managedFields`, the shapes (schemas) that decide how values
 * merge, the Apply operation with its conflicts, Update operations, and the HTTP handler for
 * `application/apply-patch+yaml`.
 *
 * @module
 */
export {
  canonicalJson,
  FieldsError,
  FieldSet,
  formatPath,
  type Json,
  parsePathElement,
  type Path,
  path,
  type PathElement,
  peKey,
} from "./fieldpath.ts";
export {
  ATOMIC,
  builtinShape,
  DEDUCED,
  type ListType,
  LOOSE,
  type OpenAPISchema,
  openAPIShape,
  SCALAR,
  type Shape,
  shapeForKind,
} from "./schema.ts";
export {
  compare,
  type Comparison,
  ensureNamedFieldsAreMembers,
  listItemElement,
  SchemaError,
  toFieldSet,
  validate,
} from "./typed.ts";
export { merge, prune } from "./merge.ts";
export {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  isResetManagedFields,
  managedFieldsDecodeError,
  ManagedFieldsError,
  managerId,
  type Managers,
  type ManagerSet,
  MAX_UPDATE_MANAGERS,
  STRIPPED_FIELDS,
} from "./managers.ts";
export { type UpdateInput, updateManagedFields } from "./update.ts";
export {
  applyConfig,
  type ApplyInput,
  type ApplyResult,
  conflictError,
  LAST_APPLIED,
} from "./apply.ts";
export {
  APPLY_PATCH,
  checkManagedFieldsDecodable,
  checkPatchOptions,
  isApplyPatch,
  serveApply,
} from "./handler.ts";
