/**
 * Bundles a program as k3s is built: `deno bundle --code-splitting`, with chunks Deno reads only
 * when they are loaded. Used by scripts/build.ts and by the benchmarks' probes.
 *
 * Why the imports are rewritten: Deno must not read chunks a k3s process never loads. deno bundle writes each lazily loaded
 * chunk as `import("./run-XXXX.js")`; Deno follows such literal dynamic imports when it builds a
 * program's module graph at start, so `k3s server` would parse the agent's and the CLI's chunks
 * and hold their graph entries in native memory (about 2 MB of an idle server's 88 MB). Written as
 * `import(new URL("./run-XXXX.js", import.meta.url).href)`, a chunk is resolved only when the
 * import runs.
 *
 * @module
 */

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const LITERAL_CHUNK_IMPORT = /\bimport\("(\.\/[A-Za-z0-9_-]+\.js)"\)/g;

/** The bundle's JavaScript with every literal dynamic import of a sibling chunk deferred. */
export function deferChunkImports(code: string): string {
  return code.replace(LITERAL_CHUNK_IMPORT, 'import(new URL("$1", import.meta.url).href)');
}

/**
 * Bundles `entry` (relative to `root`) into `outdir`; returns the files written. Throws with deno
 * bundle's output when it fails.
 */
export async function bundleLazy(root: string, entry: string, outdir: string): Promise<string[]> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform=deno", "--code-splitting", "--outdir", outdir, entry],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno bundle ${entry} exited with ${code}:\n${new TextDecoder().decode(stderr)}`,
    );
  }
  const files = await readdir(outdir);
  for (const name of files.filter((n) => n.endsWith(".js"))) {
    const file = join(outdir, name);
    await writeFile(file, deferChunkImports(await readFile(file, "utf8")));
  }
  return files;
}
