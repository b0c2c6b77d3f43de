/**
 * containerd's event service (`containerd.services.events.v1.Events/Subscribe`), the stream of
 * what happens to containers as it happens. containerd 1.6 has no CRI `GetContainerEvents`
 * (1.7 added it), so the kubelet follows container starts, exits and removals here and relists
 * the runtime on each instead of every second. Only what tells one container from another is
 * declared: the envelope's topic and the id in its event (the exit of an exec process, a probe
 * say, names the exec as well, and is no change of the container).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import protobuf from "protobufjs";
import { encodeMessage } from "./codec.ts";

/** The part of `containerd/api/services/events/v1/events.proto` the subscription uses. */
const EVENTS_PROTO = `
syntax = "proto3";
package containerd.services.events.v1;

message SubscribeRequest {
  repeated string filters = 1;
}

message Any {
  string type_url = 1;
  bytes value = 2;
}

message Envelope {
  string namespace = 2;
  string topic = 3;
  Any event = 4;
}

// TaskStart, TaskExit (id: the process, the container's own or an exec's), TaskDelete,
// ContainerCreate and ContainerDelete (id: the container), read as one shape.
message ContainerEvent {
  string container_id = 1;
  string id = 2;
}

message ContainerIdEvent {
  string id = 1;
}
`;

export const SUBSCRIBE_PATH = "/containerd.services.events.v1.Events/Subscribe";

/**
 * The topics that change what a relist sees in the CRI's `k8s.io` namespace: a task (a
 * container's or a sandbox's process) started, exited or deleted, a container created or
 * removed. Exec processes (probes, `kubectl exec`) and image events are left out. containerd ORs
 * the filters; the conditions in one filter are ANDed.
 */
export const SUBSCRIBE_FILTERS = [
  "/tasks/start",
  "/tasks/exit",
  "/tasks/delete",
  "/containers/create",
  "/containers/delete",
].map((topic) => `namespace=="k8s.io",topic=="${topic}"`);

/** One event: its topic, the container, and whether it is about an exec process. */
export interface ContainerdEvent {
  topic: string;
  containerId: string;
  exec: boolean;
}

let types: {
  request: protobuf.Type;
  envelope: protobuf.Type;
  task: protobuf.Type;
  container: protobuf.Type;
} | undefined;

function messageTypes() {
  if (!types) {
    const root = protobuf.parse(EVENTS_PROTO).root;
    const type = (name: string) => root.lookupType(`containerd.services.events.v1.${name}`);
    types = {
      request: type("SubscribeRequest"),
      envelope: type("Envelope"),
      task: type("ContainerEvent"),
      container: type("ContainerIdEvent"),
    };
  }
  return types;
}

export function serializeSubscribe(request: { filters: string[] }): Buffer {
  return encodeMessage(messageTypes().request, request);
}

export function deserializeEnvelope(bytes: Buffer): ContainerdEvent {
  const t = messageTypes();
  const envelope = t.envelope.decode(bytes) as unknown as {
    topic: string;
    event?: { value?: Uint8Array };
  };
  const value = envelope.event?.value ?? new Uint8Array();
  if (envelope.topic.startsWith("/containers/")) {
    const { id } = t.container.decode(value) as unknown as { id: string };
    return { topic: envelope.topic, containerId: id, exec: false };
  }
  const task = t.task.decode(value) as unknown as { containerId: string; id: string };
  // TaskExit's id is the process: the container's own (its id again) or an exec's.
  const exec = envelope.topic === "/tasks/exit" && task.id !== "" && task.id !== task.containerId;
  return { topic: envelope.topic, containerId: task.containerId, exec };
}
