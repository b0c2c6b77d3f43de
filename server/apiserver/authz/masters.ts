/**
 * The authorizer until RBAC: members of `system:masters` may do anything; every authenticated
 * user may read discovery, health and version (as upstream's `system:discovery` and
 * `system:public-info-viewer` roles allow); everything else is denied.
 *
 * @module
 */
import type { Authorizer } from "../app.ts";

const DISCOVERY_PATHS = ["/api", "/apis", "/version", "/healthz", "/livez", "/readyz", "/openapi"];

export const mastersAuthorizer: Authorizer = {
  authorize(user, info) {
    if (user.groups.includes("system:masters")) return Promise.resolve({ allowed: true });
    if (!info.isResourceRequest && info.verb === "get") {
      const p = info.path;
      if (DISCOVERY_PATHS.some((d) => p === d || p.startsWith(d + "/"))) {
        return Promise.resolve({ allowed: true });
      }
    }
    return Promise.resolve({ allowed: false });
  },
};
