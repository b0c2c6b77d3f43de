/**
 * The namespace controller ({@link NamespaceController}): empties and finalizes Terminating
 * namespaces.
 *
 * @module
 */
export { NamespaceController } from "./namespace.ts";
