/**
 * Test helpers: an in-memory `FileReader` and an assertion for `CliError`s.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { FileReader } from "./config_file.ts";
import { CliError, type CliErrorKind } from "./errors.ts";

/** A `FileReader` over `{ path: text }`; a directory exists when some file lies directly in it. */
export function fakeFiles(tree: Readonly<Record<string, string>> = {}): FileReader {
  return {
    readTextFile: (path) => tree[path],
    readDir(path) {
      const prefix = `${path}/`;
      const names = Object.keys(tree)
        .filter((file) => file.startsWith(prefix) && !file.slice(prefix.length).includes("/"))
        .map((file) => file.slice(prefix.length));
      return names.length > 0 ? names : undefined;
    },
  };
}

/** Asserts that `fn` throws a `CliError` of `kind` with exactly `message`. */
export function assertCliError(fn: () => unknown, kind: CliErrorKind, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CliError, `expected a CliError, got ${error}`);
    assert.deepEqual([error.kind, error.message], [kind, message]);
    return true;
  });
}
