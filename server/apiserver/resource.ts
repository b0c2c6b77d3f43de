/**
 * What the API server knows about one resource: names for discovery, a strategy for the generic
 * store, table columns and field selectors. Every built-in resource and every custom resource is
 * one {@link ResourceDef}; the store and handlers are generic over it.
 *
 * @module
 */
import type { FieldError } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/meta.ts";

/** Who is making the request, as authentication found. */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a strategy may look at while preparing or validating a write. */
export interface WriteContext {
  user: UserInfo;
  /** The namespace from the URL ("" for cluster-scoped). */
  namespace: string;
  now: Date;
  dryRun: boolean;
  /** Adds a `Warning` header to the response. */
  warn(message: string): void;
}

/**
 * Per-resource behaviour for the generic store, in the order the store calls it:
 * create: prepareForCreate → validate → (store) ; update: prepareForUpdate → validateUpdate.
 * Every hook is optional; a resource with none (ConfigMap-like) is plain storage.
 */
export interface Strategy {
  /** Defaults and clearing of fields a client may not set on create (for example status). */
  prepareForCreate?(obj: KubeObject, ctx: WriteContext): void | Promise<void>;
  /** Defaults on update, and carrying over what the main resource may not change (status). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): void | Promise<void>;
  /** Field errors for a new object; an empty list means valid. */
  validate?(obj: KubeObject, ctx: WriteContext): FieldError[];
  /** Field errors for an update, typically immutable fields. */
  validateUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): FieldError[];
  /** Called when a create failed after prepareForCreate ran (release what it claimed). */
  createFailed?(obj: KubeObject): void | Promise<void>;
  /** Called after an update was stored (release what the old object held and the new does not). */
  afterUpdate?(obj: KubeObject, old: KubeObject): void | Promise<void>;
  /** Called when an update failed after prepareForUpdate ran (release what it claimed). */
  updateFailed?(obj: KubeObject, old: KubeObject): void | Promise<void>;
  /**
   * Called on a copy of the object when a delete is asked for and it is not yet being deleted,
   * before the store chooses between deleting at once and marking it: it may add finalizers and
   * conditions (a CustomResourceDefinition adds its cleanup finalizer).
   */
  prepareForDelete?(obj: KubeObject, ctx: WriteContext): void;
  /** A `/status` write, after the new status was taken over (custom resources prune and default it). */
  prepareForStatusUpdate?(
    obj: KubeObject,
    old: KubeObject,
    ctx: WriteContext,
  ): void | Promise<void>;
  /** Field errors for a `/status` write; the main resource's validate hooks do not run for it. */
  validateStatusUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): FieldError[];
  /** Called after the object is gone from storage (release allocated IPs or ports). */
  afterDelete?(obj: KubeObject): void | Promise<void>;
  /** Warnings returned to the client for this object. */
  warnings?(obj: KubeObject): string[];
  /**
   * Whether an object of this kind is deleted gracefully (deletionTimestamp first) rather than at
   * once, given the grace period asked for. Pods bound to a node are.
   */
  gracefulDeletion?(obj: KubeObject, gracePeriodSeconds: number | undefined): number | null;
  /**
   * True while a deleted object must stay, marked for deletion, though it has no finalizers in
   * metadata (a namespace while `spec.finalizers` is not empty); updates do not remove it then.
   */
  deletionHeld?(obj: KubeObject): boolean;
}

/** One column of `kubectl get` output, as `meta.k8s.io/v1` `TableColumnDefinition`. */
export interface Column {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  description?: string;
  /** 0 shows by default, 1 only with `-o wide`. */
  priority?: number;
  /** The cell value for one object. */
  cell(obj: KubeObject, now: Date): unknown;
}

/** The `scale` subresource: where replicas live in the object. */
export interface ScaleDef {
  specReplicasPath: string[];
  statusReplicasPath: string[];
  labelSelectorPath?: string[];
}

export interface ResourceDef {
  /** "" for the core group. */
  group: string;
  /** The served versions, preferred first; objects are stored as the first. */
  versions: string[];
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Defaults to all of get, list, watch, create, update, patch, delete, deletecollection. */
  verbs?: string[];
  /** A status subresource: the main resource ignores status changes, `/status` changes only status. */
  status?: boolean;
  scale?: ScaleDef;
  /** metadata.generation is kept (1 at create, +1 on each change outside metadata and status). */
  generation?: boolean;
  /** Names must be DNS-1123 labels rather than subdomains (namespaces, services). */
  nameIsLabel?: boolean;
  /** Names are path segments (RBAC objects): only ".", "..", "/" and "%" are refused. */
  pathSegmentName?: boolean;
  strategy?: Strategy;
  /**
   * Table columns after NAME; AGE is added last unless a column is named Age. When a column is
   * named Name, the list is taken as the whole table (kinds whose table differs, like events).
   */
  columns?: Column[];
  /** Extra field selectors beyond metadata.name and metadata.namespace. */
  fields?: Record<string, (obj: KubeObject) => string>;
  /**
   * For create-only resources that are never stored (SubjectAccessReview, TokenReview, ...): the
   * response object for a created request object. The request's user is in `ctx.user`.
   */
  virtualCreate?(obj: KubeObject, ctx: WriteContext): Promise<KubeObject>;
  /** Extra subresources (e.g. pods/binding, pods/eviction) served by handlers elsewhere. */
  extraSubresources?: SubresourceDef[];
  /**
   * Converts an object between the served versions when they differ in more than `apiVersion`
   * (autoscaling/v1 and v2). `obj.apiVersion` says which version it is in; the result is in
   * `toVersion`, one of `versions`. Objects are stored in `versions[0]`: request bodies are
   * converted to it, responses and watch events back to the version the client asked for.
   * `obj` may be changed or reused.
   */
  convert?(obj: KubeObject, toVersion: string): KubeObject;
  /**
   * Conversion that needs I/O (a custom resource's conversion webhook): objects are stored in
   * `storageVersion` and read, listed and watched in this resource's version through `convert`.
   */
  converter?: AsyncConverter;
}

/** Converts objects between versions of one resource, asynchronously and in batches. */
export interface AsyncConverter {
  /** The version objects are stored in. */
  storageVersion: string;
  /** The objects in `toVersion`, in order (objects already in it come back as they are). */
  convert(objs: KubeObject[], toVersion: string): Promise<KubeObject[]>;
}

/** A subresource beyond status and scale, as discovery lists it. */
export interface SubresourceDef {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export const DEFAULT_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/** `deployments.apps` or `pods`. */
export function groupResource(def: ResourceDef): { group: string; resource: string } {
  return { group: def.group, resource: def.plural };
}

/** `apps/v1` or `v1`. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
