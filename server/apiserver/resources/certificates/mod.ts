/**
 * The `certificates.k8s.io` API group: certificate signing requests and their `approval`
 * subresource. (Signing approved requests is a controller's job, not the API's.)
 *
 * @module
 */
import type { ResourceDef } from "../../resource.ts";
import { certificateSigningRequests } from "./csr.ts";

export { certificateSigningRequests };
export { certificateSubresources } from "./approval.ts";
export { certificateRequestError } from "./csr_request.ts";

export const resources: ResourceDef[] = [certificateSigningRequests];
