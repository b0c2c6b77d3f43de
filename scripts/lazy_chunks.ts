/**
 * Keeps Deno from reading chunks a k3s process never loads. deno bundle writes each lazily loaded
 * chunk as `import("./run-XXXX.js")`; Deno follows such literal dynamic imports when it builds a
 * program's module graph at start, so `k3s server` would parse the agent's and the CLI's chunks
 * and hold their graph entries in native memory (about 2 MB of an idle server's 88 MB). Written as
 * `import(new URL("./run-XXXX.js", import.meta.url).href)`, a chunk is resolved only when the
 * import runs.
 *
 * @module
 */

const LITERAL_CHUNK_IMPORT = /\bimport\("(\.\/[A-Za-z0-9_-]+\.js)"\)/g;

/** The bundle's JavaScript with every literal dynamic import of a sibling chunk deferred. */
export function deferChunkImports(code: string): string {
  return code.replace(LITERAL_CHUNK_IMPORT, 'import(new URL("$1", import.meta.url).href)');
}
