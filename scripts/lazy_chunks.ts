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

import * as esbuild from "esbuild";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";

const LITERAL_CHUNK_IMPORT = /\bimport\("(\.\/[A-Za-z0-9_-]+\.js)"\)/g;

/**
 * The chunk without comments and layout (esbuild's whitespace minification; names and syntax
 * stay as written, so stack traces keep their function names), with non-ASCII characters
 * escaped. V8 keeps every loaded module's source text for the life of the process, at two bytes
 * per character when the text has one beyond Latin-1 (hence the escapes). Compacted, an idle
 * server holds about 2.5 MB less (79 MB instead of 81.5).
 */
async function compact(code: string): Promise<string> {
  const { code: out } = await esbuild.transform(code, {
    format: "esm",
    loader: "js",
    minifyWhitespace: true,
    charset: "ascii",
  });
  return out;
}

/** The bundle's JavaScript with every literal dynamic import of a sibling chunk deferred. */
export function deferChunkImports(code: string): string {
  return code.replace(LITERAL_CHUNK_IMPORT, 'import(new URL("$1", import.meta.url).href)');
}

/**
 * Bundles `entries` (relative to `root`) into `outdir`; returns the files written, relative to
 * `outdir` (an entry below the entries' common folder keeps its path, e.g.
 * `server/pki/pki_program.js`). Throws with deno bundle's output when it fails.
 */
export async function bundleLazy(
  root: string,
  entries: string[],
  outdir: string,
): Promise<string[]> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform=deno", "--code-splitting", "--outdir", outdir, ...entries],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno bundle ${entries.join(" ")} exited with ${code}:\n${new TextDecoder().decode(stderr)}`,
    );
  }
  const files = (await readdir(outdir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(outdir, join(entry.parentPath, entry.name)));
  try {
    for (const name of files.filter((n) => n.endsWith(".js"))) {
      const file = join(outdir, name);
      await writeFile(file, await compact(deferChunkImports(await readFile(file, "utf8"))));
    }
  } finally {
    await esbuild.stop();
  }
  return files;
}
