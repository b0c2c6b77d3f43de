/**
 * User impersonation (`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`,
 * `Impersonate-Extra-*` headers, as `kubectl --as`/`--as-group` send them): the requesting user
 * must be authorized to `impersonate` each of `users`, `groups`, `serviceaccounts` (core group),
 * `uids` and `userextras` (authentication.k8s.io); the request then runs as the impersonated
 * user, with `system:authenticated` (or `system:unauthenticated` for `system:anonymous`) added,
 * and a service account's groups when no group was named.
 *
 * @module
 */
import { StatusError } from "../../../kube/errors.ts";
import type { RequestInfo } from "../request_info.ts";
import type { UserInfo } from "../resource.ts";
import { attributes } from "./chain.ts";

export const AUTHENTICATED = "system:authenticated";
export const UNAUTHENTICATED = "system:unauthenticated";
export const ANONYMOUS_USER = "system:anonymous";

const EXTRA_PREFIX = "impersonate-extra-";
const SA_PREFIX = "system:serviceaccount:";
const AUTHENTICATION_GROUP = "authentication.k8s.io";

/** Checks one impersonation; throws (a 403) when the requester may not. */
export type AuthorizeFn = (user: UserInfo, info: RequestInfo) => Promise<void>;

/** The user as authentication found it, with `system:authenticated` added (upstream's group adder). */
export function authenticatedUser(user: UserInfo): UserInfo {
  if (user.groups.includes(AUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, AUTHENTICATED] };
}

/** `system:serviceaccount:<ns>:<name>` split into namespace and name, or null. */
export function splitServiceAccount(username: string): { namespace: string; name: string } | null {
  if (!username.startsWith(SA_PREFIX)) return null;
  const parts = username.slice(SA_PREFIX.length).split(":");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  return { namespace: parts[0], name: parts[1] };
}

/** The groups every service account of `namespace` is in. */
export function serviceAccountGroups(namespace: string): string[] {
  return ["system:serviceaccounts", `system:serviceaccounts:${namespace}`];
}

function headerValues(headers: Headers, name: string): string[] {
  const v = headers.get(name);
  if (v === null) return [];
  return v.split(/,\s*/).filter((s) => s !== "");
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/**
 * The user a request acts as: `user` itself without impersonation headers, else the
 * impersonated user once every impersonation is authorized.
 */
export async function impersonate(
  req: Request,
  user: UserInfo,
  authorize: AuthorizeFn,
): Promise<UserInfo> {
  const h = req.headers;
  const requested = h.get("impersonate-user") ?? "";
  const groupsAsked = headerValues(h, "impersonate-group");
  const uid = h.get("impersonate-uid") ?? "";
  const extras: [string, string[]][] = [];
  h.forEach((value, key) => {
    if (key.startsWith(EXTRA_PREFIX)) {
      extras.push([unescapeExtraKey(key.slice(EXTRA_PREFIX.length)), value.split(/,\s*/)]);
    }
  });
  if (!requested) {
    if (groupsAsked.length || extras.length || uid) {
      throw new StatusError(
        500,
        "InternalError",
        "Internal error occurred: requested impersonation of groups, extra fields or a UID without impersonating a user",
      );
    }
    return user;
  }

  const checks: RequestInfo[] = [];
  let groups: string[] = [];
  const sa = splitServiceAccount(requested);
  if (sa) {
    checks.push(attributes({
      verb: "impersonate",
      resource: "serviceaccounts",
      namespace: sa.namespace,
      name: sa.name,
    }));
    if (groupsAsked.length === 0) groups = serviceAccountGroups(sa.namespace);
  } else {
    checks.push(attributes({ verb: "impersonate", resource: "users", name: requested }));
  }
  for (const g of groupsAsked) {
    checks.push(attributes({ verb: "impersonate", resource: "groups", name: g }));
    groups.push(g);
  }
  const extra: Record<string, string[]> = {};
  for (const [key, values] of extras) {
    for (const value of values) {
      checks.push(attributes({
        verb: "impersonate",
        group: AUTHENTICATION_GROUP,
        resource: "userextras",
        subresource: key,
        name: value,
      }));
      (extra[key] ??= []).push(value);
    }
  }
  if (uid) {
    checks.push(attributes({
      verb: "impersonate",
      group: AUTHENTICATION_GROUP,
      resource: "uids",
      name: uid,
    }));
  }
  for (const info of checks) await authorize(user, info);

  if (requested !== ANONYMOUS_USER) {
    if (!groups.includes(AUTHENTICATED) && !groups.includes(UNAUTHENTICATED)) {
      groups.push(AUTHENTICATED);
    }
  } else if (!groups.includes(UNAUTHENTICATED)) groups.push(UNAUTHENTICATED);

  const out: UserInfo = { name: requested, groups };
  if (uid) out.uid = uid;
  if (Object.keys(extra).length) out.extra = extra;
  return out;
}
