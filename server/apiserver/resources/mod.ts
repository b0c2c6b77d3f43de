/**
 * Every built-in resource the API server serves.
 *
 * @module
 */
import type { ResourceDef } from "../resource.ts";
import { type CoreDeps, coreResources } from "./core/mod.ts";
import { resources as apiextensions } from "./apiextensions/mod.ts";
import { resources as apps } from "./apps/mod.ts";
import { resources as batch } from "./batch/mod.ts";
import { resources as coordination } from "./coordination/mod.ts";
import { resources as discovery } from "./discovery/mod.ts";
import { resources as events } from "./events/mod.ts";

export function builtinResources(deps: CoreDeps): ResourceDef[] {
  return [
    ...coreResources(deps),
    ...apps,
    ...apiextensions,
    ...batch,
    ...coordination,
    ...discovery,
    ...events,
  ];
}
