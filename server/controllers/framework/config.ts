/**
 * Checks for controller config objects: each throws a {@link ConfigError} whose message names the
 * controller and the field ("Cannot create controller deployment: workers must be a positive
 * integer, got 0"), so a constructor validates its config in a few lines.
 *
 * @module
 */

/** A controller config that cannot work. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function fail(controller: string, detail: string): never {
  throw new ConfigError(`Cannot create controller ${controller}: ${detail}`);
}

/** `value` must be present (not undefined or null). */
export function required<T>(controller: string, field: string, value: T | undefined | null): T {
  if (value === undefined || value === null) fail(controller, `${field} is required`);
  return value;
}

/** An integer ≥ 1, or `fallback` when absent. */
export function positiveInt(
  controller: string,
  field: string,
  value: number | undefined,
  fallback: number,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) {
    fail(controller, `${field} must be a positive integer, got ${v}`);
  }
  return v;
}

/** A number ≥ 0 (Infinity allowed), or `fallback` when absent. */
export function nonNegative(
  controller: string,
  field: string,
  value: number | undefined,
  fallback: number,
): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || Number.isNaN(v) || v < 0) {
    fail(controller, `${field} must be a number ≥ 0, got ${v}`);
  }
  return v;
}

/** A name usable in keys, logs and event sources: lowercase letters, digits and dashes. */
export function controllerName(name: string | undefined): string {
  if (!name || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new ConfigError(
      `Cannot create controller ${
        JSON.stringify(name ?? "")
      }: the name must be lowercase letters, digits and dashes`,
    );
  }
  return name;
}
