/**
 * Applying a PATCH body by its content type: JSON patch, JSON merge patch, or strategic merge
 * patch (built-in kinds only, as upstream).
 *
 * @module
 */
import { badRequest, StatusError, unsupportedMediaType } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/meta.ts";
import { applyJsonPatch } from "../../kube/patch/json_patch.ts";
import { applyMergePatch } from "../../kube/patch/merge_patch.ts";
import { strategicMergePatch, supportsStrategicMerge } from "../../kube/patch/strategic_merge.ts";
import { mediaType } from "./negotiate.ts";
import type { ResourceDef } from "./resource.ts";

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

/** `current` with the patch applied; `def` null means a plain document (Scale). */
export function applyPatch(
  def: ResourceDef | null,
  current: Record<string, unknown>,
  body: Uint8Array,
  contentType: string | null,
): KubeObject {
  const type = mediaType(contentType);
  let out: unknown;
  switch (type) {
    case "application/json-patch+json": {
      const ops = parseJson(body);
      if (!Array.isArray(ops)) throw badRequest("json patch must be an array of operations");
      out = applyJsonPatch(current, ops);
      break;
    }
    case "application/merge-patch+json": {
      out = applyMergePatch(current, parseJson(body));
      break;
    }
    case "application/strategic-merge-patch+json": {
      const kindKey = def
        ? `${def.group ? def.group + "/" : ""}${def.versions[0]}/${def.kind}`
        : "autoscaling/v1/Scale";
      if (!supportsStrategicMerge(kindKey)) {
        throw new StatusError(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      }
      out = strategicMergePatch(current, parseJson(body), kindKey);
      break;
    }
    default:
      throw unsupportedMediaType(type);
  }
  if (typeof out !== "object" || out === null || Array.isArray(out)) {
    throw badRequest("the patch produced something that is not an object");
  }
  return out as KubeObject;
}
