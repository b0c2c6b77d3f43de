/**
 * The SQLite datastore backend (the default): one file, a kine-like revision log.
 *
 * @module
 */
export { SqliteBackend, type SqliteBackendOptions } from "./sqlite_backend.ts";
export type { Synchronous } from "./schema.ts";
