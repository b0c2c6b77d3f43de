/**
 * An in-process API server with CustomResourceDefinitions and a running {@link CrdController},
 * and a CronTab CRD to install in it.
 *
 * @module
 */
import { TEST_DEFS, type TestServer, testServer } from "../../testing.ts";
import { CrdController } from "./controller.ts";
import { customResourceDefinitions } from "./crd.ts";

export interface CrdTestServer extends TestServer {
  controller: CrdController;
  /** Creates a CRD and waits until the controller reconciled it. */
  install(crd: unknown): Promise<Response>;
}

export async function crdTestServer(): Promise<CrdTestServer> {
  const server = await testServer([...TEST_DEFS, customResourceDefinitions]);
  const controller = new CrdController({ registry: server.api.registry, retryMs: 20 });
  await controller.start();
  return {
    ...server,
    controller,
    async install(crd) {
      const res = await server.call(
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        crd,
      );
      await settle(controller);
      return res;
    },
    async close() {
      controller.stop();
      await server.close();
    },
  };
}

/** Waits until the controller has nothing queued (events arrive through the watch cache). */
export async function settle(controller: CrdController): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 20));
    await controller.idle();
  }
}

/** A CronTab CRD (stable.example.com) with the given versions' extras. */
export function cronTabCrd(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: {
      group: "stable.example.com",
      scope: "Namespaced",
      names: {
        plural: "crontabs",
        singular: "crontab",
        kind: "CronTab",
        listKind: "CronTabList",
        shortNames: ["ct"],
        categories: ["all"],
      },
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
        },
        additionalPrinterColumns: [
          { name: "Spec", type: "string", jsonPath: ".spec.cronSpec" },
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: {
                  cronSpec: {
                    type: "string",
                    pattern: "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$",
                  },
                  image: { type: "string", default: "busybox" },
                  replicas: { type: "integer", minimum: 0, maximum: 10 },
                  mode: { type: "string", enum: ["fast", "slow"] },
                },
                required: ["cronSpec"],
                "x-kubernetes-validations": [{
                  rule: "!has(self.replicas) || self.replicas != 7",
                  message: "seven is unlucky",
                }],
              },
              status: { type: "object", properties: { replicas: { type: "integer" } } },
            },
          },
        },
      }],
      ...extra,
    },
  };
}
