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
import { resources as networking } from "./networking/mod.ts";
import { resources as policy } from "./policy/mod.ts";
import { resources as storage } from "./storage/mod.ts";
import { resources as scheduling } from "./scheduling/mod.ts";
import { resources as node } from "./node/mod.ts";
import { resources as certificates } from "./certificates/mod.ts";
import { resources as autoscaling } from "./autoscaling/mod.ts";
import { resources as admissionregistration } from "./admissionregistration/mod.ts";
import { resources as apiregistration } from "./apiregistration/mod.ts";
import { resources as flowcontrol } from "./flowcontrol/mod.ts";

export function builtinResources(deps: CoreDeps): ResourceDef[] {
  return [
    ...coreResources(deps),
    ...apps,
    ...apiextensions,
    ...batch,
    ...coordination,
    ...discovery,
    ...events,
    ...networking,
    ...policy,
    ...storage,
    ...scheduling,
    ...node,
    ...certificates,
    ...autoscaling,
    ...admissionregistration,
    ...apiregistration,
    ...flowcontrol,
  ];
}
