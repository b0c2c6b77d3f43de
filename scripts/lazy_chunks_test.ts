import assert from "node:assert/strict";
import { deferChunkImports } from "./lazy_chunks.ts";

Deno.test("deferChunkImports resolves sibling chunks at run time and leaves other imports", () => {
  const code = [
    'import { a } from "./chunk-AB12.js";',
    'const { runServer } = await import("./run-UU56LCLN.js");',
    'const x = await import("node:fs");',
    'const y = await import("./notes.json");',
  ].join("\n");
  assert.equal(
    deferChunkImports(code),
    [
      'import { a } from "./chunk-AB12.js";',
      'const { runServer } = await import(new URL("./run-UU56LCLN.js", import.meta.url).href);',
      'const x = await import("node:fs");',
      'const y = await import("./notes.json");',
    ].join("\n"),
  );
});
