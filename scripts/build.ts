/**
 * `deno task build`: k3s as plain JavaScript in `dist/k3s/` (`main.js` and the chunks it loads
 * when a command needs them), which `./k3s` runs. Under `deno run main.ts` Deno transpiles every
 * TypeScript module and keeps its inline source map and its text in memory; the build is what a
 * compiled executable would carry, and an idle server holds about 15 MB less.
 *
 * The new build is written beside the current one and moved in file by file, `main.js` last.
 * Chunk names are hashes of their content, so a k3s process started from an earlier build still
 * finds the chunks it loads later; chunks no build has used for a week are removed. Chunks are
 * imported so that Deno reads one only when it is loaded (scripts/lazy_chunks.ts).
 *
 * @module
 */
import { readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { bundleLazy } from "./lazy_chunks.ts";

const root = new URL("..", import.meta.url).pathname;
const target = join(root, "dist", "k3s");
const fresh = join(root, "dist", `k3s.building-${Deno.pid}`);
const KEEP_MS = 7 * 24 * 3600 * 1000;

let built: string[];
try {
  // The program a first start's PKI is made by (server/pki/isolated.ts) runs as its own process.
  built = await bundleLazy(root, ["main.ts", "server/pki/pki_program.ts"], fresh);
} catch (err) {
  await rm(fresh, { recursive: true, force: true });
  console.error(`Cannot build ${target}: ${(err as Error).message}`);
  Deno.exit(1);
}
await Deno.mkdir(target, { recursive: true });
const now = new Date();
for (const name of built.filter((n) => n !== "main.js").concat("main.js")) {
  await Deno.mkdir(dirname(join(target, name)), { recursive: true });
  await rename(join(fresh, name), join(target, name));
  // A chunk that is part of this build counts as used now.
  await Deno.utime(join(target, name), now, now);
}
await rm(fresh, { recursive: true, force: true });
const current = new Set(built);
for (const entry of await readdir(target, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const name = relative(target, join(entry.parentPath, entry.name));
  if (current.has(name)) continue;
  const { mtimeMs } = await stat(join(target, name));
  if (Date.now() - mtimeMs > KEEP_MS) await rm(join(target, name), { force: true });
}
console.log(`built ${target}`);
