import { decodeKubeProtobuf, encodeKubeProtobuf } from "./mod.ts";
import { POD } from "./testdata/objects.ts";

const podBytes = encodeKubeProtobuf(POD);
const podJSON = new TextEncoder().encode(JSON.stringify(POD));
const utf8 = new TextDecoder();

Deno.bench("decodeKubeProtobuf() of a running Pod", { group: "pod", baseline: true }, () => {
  decodeKubeProtobuf(podBytes);
});

Deno.bench("JSON.parse() of the same Pod, for comparison", { group: "pod" }, () => {
  JSON.parse(utf8.decode(podJSON));
});

Deno.bench("encodeKubeProtobuf() of a running Pod", () => {
  encodeKubeProtobuf(POD);
});
