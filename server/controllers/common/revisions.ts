/**
 * ControllerRevisions as StatefulSets and DaemonSets keep them (upstream's controller history):
 * each distinct pod template is one revision named `<owner>-<hash>`, whose `data` is the
 * strategic merge patch `{"spec":{"template":{…,"$patch":"replace"}}}` that
 * `kubectl rollout undo` applies back; revision numbers only grow, a template seen before gets
 * its old revision renumbered (a rollback), and history beyond `revisionHistoryLimit` that no
 * pod uses is deleted.
 *
 * @module
 */
import {
  CONTROLLER_REVISIONS,
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type Resource,
} from "../../../kube/client/mod.ts";
import { deepClone, deepEqual } from "../../../kube/meta.ts";
import { computeHash, semantic } from "./hash.ts";
import { newControllerRef } from "./owner.ts";
import type { ControllerRevision, PodTemplate } from "./types.ts";

/** The label carrying a revision's hash. */
export const REVISION_HASH_LABEL = "controller.kubernetes.io/hash";

const REVISIONS = CONTROLLER_REVISIONS as Resource<ControllerRevision>;

/** The patch a revision stores: the owner's template, replacing the whole template. */
export function templatePatch(template: PodTemplate | undefined): Record<string, unknown> {
  return { spec: { template: { ...deepClone(template ?? {}), $patch: "replace" } } };
}

/** The pod template a revision records. */
export function revisionTemplate(rev: ControllerRevision): PodTemplate {
  const t = deepClone(
    ((rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec
      ?.template) ?? {},
  );
  delete t.$patch;
  return t as PodTemplate;
}

/** Same recorded data (semantic JSON equality). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return deepEqual(semantic(a.data) ?? {}, semantic(b.data) ?? {});
}

/** By revision number, then creation, then name (`SortControllerRevisions`). */
export function sortRevisions(list: ControllerRevision[]): ControllerRevision[] {
  const created = (r: ControllerRevision) => Date.parse(r.metadata.creationTimestamp ?? "") || 0;
  return [...list].sort((a, b) =>
    (a.revision ?? 0) - (b.revision ?? 0) || created(a) - created(b) ||
    (a.metadata.name! < b.metadata.name! ? -1 : 1)
  );
}

/** One more than the highest revision number. */
export function nextRevision(sorted: ControllerRevision[]): number {
  return sorted.length ? (sorted[sorted.length - 1].revision ?? 0) + 1 : 1;
}

/** Who owns revisions, and how they are labelled. */
export interface RevisionOwner {
  owner: KubeObject;
  apiVersion: string;
  kind: string;
  template: PodTemplate | undefined;
  /** Extra labels (a DaemonSet's `controller-revision-hash`), given the hash. */
  labels?: (hash: string) => Record<string, string>;
}

/** A revision (not yet created) of `o`'s current template (`NewControllerRevision`). */
export function buildRevision(
  o: RevisionOwner,
  revision: number,
  collisionCount: number,
): ControllerRevision {
  const data = templatePatch(o.template);
  const hash = computeHash(data, collisionCount);
  const name = `${o.owner.metadata.name!.slice(0, 223)}-${hash}`;
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name,
      namespace: o.owner.metadata.namespace,
      labels: {
        ...(o.template?.metadata?.labels ?? {}),
        [REVISION_HASH_LABEL]: hash,
        ...(o.labels?.(hash) ?? {}),
      },
      annotations: { ...(o.owner.metadata.annotations ?? {}) },
      ownerReferences: [newControllerRef(o.owner, o.apiVersion, o.kind)],
    },
    data,
    revision,
  };
}

/** The hash a revision was named with. */
export function revisionHash(rev: ControllerRevision): string {
  return rev.metadata.labels?.[REVISION_HASH_LABEL] ??
    rev.metadata.name!.slice(rev.metadata.name!.lastIndexOf("-") + 1);
}

/** The update revision and, when a hash collision moved it, the new collision count. */
export interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

/**
 * Finds or makes the revision of the owner's template (`getStatefulSetRevisions` /
 * `constructHistory`): the latest one when unchanged, an older equal one renumbered (a
 * rollback), or a new one — renamed past hash collisions with other data.
 */
export async function syncRevisions(
  client: KubeClient,
  o: RevisionOwner,
  existing: ControllerRevision[],
  currentName: string | undefined,
  collisionCount: number,
): Promise<Revisions & { all: ControllerRevision[] }> {
  let all = sortRevisions(existing);
  let update = buildRevision(o, nextRevision(all), collisionCount);
  const equal = all.filter((r) => equalRevision(r, update));
  const last = all[all.length - 1];
  if (equal.length && equalRevision(last, equal[equal.length - 1])) {
    update = last;
  } else if (equal.length) {
    const old = equal[equal.length - 1];
    update = await client.update(REVISIONS, { ...old, revision: update.revision });
    all = all.map((r) => (r.metadata.uid === update.metadata.uid ? update : r));
  } else {
    for (;;) {
      try {
        update = await client.create(REVISIONS, update);
        all.push(update);
        break;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const found = await client.get(REVISIONS, update.metadata.name!, {
          namespace: update.metadata.namespace,
        });
        const ours = found.metadata.ownerReferences?.some((r) => r.uid === o.owner.metadata.uid);
        if (ours && equalRevision(found, update)) {
          update = found;
          if (!all.some((r) => r.metadata.uid === found.metadata.uid)) all.push(found);
          break;
        }
        collisionCount++;
        update = buildRevision(o, update.revision!, collisionCount);
      }
    }
  }
  const current = all.find((r) => r.metadata.name === currentName) ?? update;
  return { current, update, collisionCount, all: sortRevisions(all) };
}

/** Deletes the oldest revisions beyond `limit` that are not `live` (`truncateHistory`). */
export async function truncateHistory(
  client: KubeClient,
  sorted: ControllerRevision[],
  live: Set<string>,
  limit: number,
): Promise<void> {
  const history = sorted.filter((r) => !live.has(r.metadata.name!));
  for (const r of history.slice(0, Math.max(0, history.length - limit))) {
    try {
      await client.delete(REVISIONS, r.metadata.name!, {
        namespace: r.metadata.namespace,
        preconditions: { uid: r.metadata.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
