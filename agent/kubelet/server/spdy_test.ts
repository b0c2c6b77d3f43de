import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { constants, createInflate } from "node:zlib";
import { encodeHeaderBlock, storedBlocks } from "./spdy.ts";

/** Inflates a stream of header blocks frame by frame, as a SPDY peer does. */
async function inflateFrames(frames: Buffer[]): Promise<Buffer[]> {
  const inflate = createInflate();
  const out: Buffer[] = [];
  for (const frame of frames) {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    inflate.on("data", onData);
    inflate.write(frame);
    await new Promise<void>((resolve) => inflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    inflate.off("data", onData);
    out.push(Buffer.concat(chunks));
  }
  inflate.close();
  return out;
}

Deno.test("encodeHeaderBlock() writes counted, length-prefixed lower-case names and values", () => {
  assert.deepEqual(
    [...encodeHeaderBlock({ StreamType: "stdin" })],
    [
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      10,
      ...new TextEncoder().encode("streamtype"),
      0,
      0,
      0,
      5,
      ...new TextEncoder().encode("stdin"),
    ],
  );
});

Deno.test("storedBlocks() makes one zlib stream of which each frame inflates completely", async () => {
  const a = encodeHeaderBlock({ streamtype: "error" });
  const b = encodeHeaderBlock({ streamtype: "stdout", port: "8080" });
  const big = new Uint8Array(70_000).fill(7);
  const frames = [storedBlocks(a, true), storedBlocks(b, false), storedBlocks(big, false)];
  assert.deepEqual(
    frames[0].subarray(0, 2),
    Buffer.from([0x78, 0x01]),
    "a zlib header without a dictionary",
  );
  const inflated = await inflateFrames(frames);
  assert.deepEqual(inflated.map((x) => x.length), [a.length, b.length, big.length]);
  assert.deepEqual(new Uint8Array(inflated[1]), new Uint8Array(b));
});
