/**
 * The K3s config file: `config.yaml` (keys are flag names without dashes) and then every
 * `*.yaml`/`*.yml` in `config.yaml.d/` in lexical order. A later file replaces a key; a key
 * written `name+:` appends to what earlier files gave. Unknown keys are skipped with a warning,
 * as K3s does. Scalars are read as text (YAML failsafe schema), so `mode: 0644` stays `0644`.
 *
 * @module
 */
import { parse } from "yaml";
import { CliError } from "./errors.ts";
import { findFlag, type FlagSpec } from "./flag.ts";

/** Read access to files, injected so parsing stays pure and testable. */
export interface FileReader {
  /** The file's text, or `undefined` when there is no such file. */
  readTextFile(path: string): string | undefined;
  /** Names of the regular files in a directory, or `undefined` when there is no such directory. */
  readDir(path: string): readonly string[] | undefined;
}

/** One value of a key and the file it came from. */
export interface FileValue {
  readonly value: string;
  readonly path: string;
}

/** What the config files say. */
export interface ConfigFiles {
  /** Merged values per long flag name (several only for a slice flag). */
  readonly values: ReadonlyMap<string, readonly FileValue[]>;
  /** Files read, in order. */
  readonly paths: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Reads `path` and `path.d/*.yaml`. A missing `path` is fine unless `explicit` (given by flag or
 * environment) and no drop-in exists either.
 */
export function readConfigFiles(
  path: string,
  explicit: boolean,
  flags: readonly FlagSpec[],
  files: FileReader,
): ConfigFiles {
  const dropIns = (files.readDir(`${path}.d`) ?? [])
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => `${path}.d/${name}`);
  const main = files.readTextFile(path);
  if (main === undefined && explicit && dropIns.length === 0) {
    throw new CliError("config-file", `config file ${path} does not exist`);
  }
  const sources: [string, string][] = main === undefined ? [] : [[path, main]];
  for (const dropIn of dropIns) {
    const text = files.readTextFile(dropIn);
    if (text !== undefined) sources.push([dropIn, text]);
  }

  const values = new Map<string, readonly FileValue[]>();
  const warnings: string[] = [];
  for (const [file, text] of sources) {
    for (const [key, raw] of Object.entries(parseMap(file, text))) {
      const append = key.endsWith("+");
      const name = append ? key.slice(0, -1) : key;
      const flag = findFlag(flags, name);
      if (!flag) {
        warnings.push(`unknown flag ${JSON.stringify(name)} in ${file}, skipping`);
        continue;
      }
      if (flag.name === "config") {
        warnings.push(`"config" in ${file} has no effect, skipping`);
        continue;
      }
      const given = toStrings(raw, flag, file).map((value) => ({ value, path: file }));
      const earlier = values.get(flag.name);
      values.set(flag.name, append && earlier ? [...earlier, ...given] : given);
    }
  }
  return { values, paths: sources.map(([file]) => file), warnings };
}

function parseMap(file: string, text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text, { schema: "failsafe" });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new CliError("config-file", `cannot parse config file ${file}: ${reason}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new CliError(
      "config-file",
      `cannot parse config file ${file}: expected a map of flag names to values`,
    );
  }
  return doc as Record<string, unknown>;
}

function toStrings(raw: unknown, flag: FlagSpec, file: string): string[] {
  if (typeof raw === "string") return [raw];
  const list = Array.isArray(raw) && raw.every((item) => typeof item === "string");
  if (list && flag.type === "string-slice") return raw;
  const expected = flag.type === "string-slice" ? "a value or a list of values" : "a single value";
  throw new CliError(
    "config-file",
    `invalid value for ${JSON.stringify(flag.name)} in ${file}: must be ${expected}`,
  );
}
