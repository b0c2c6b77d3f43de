/**
 * Generates `kube/protobuf/schema_data.ts`, the message table behind the Kubernetes protobuf
 * codec in `kube/protobuf/`.
 *
 * How the committed table was produced:
 *
 * ```sh
 * # one folder holding the upstream sources, one sub-folder per module, at matching tags
 * mkdir -p /tmp/k8s-src/{api,apimachinery,apiextensions-apiserver,kube-aggregator}
 * git -C <k8s.io/api clone> archive v0.35.6 | tar -x -C /tmp/k8s-src/api
 * git -C <k8s.io/apimachinery clone> archive v0.35.6 | tar -x -C /tmp/k8s-src/apimachinery
 * git -C <k8s.io/apiextensions-apiserver clone> archive v0.35.6 | tar -x -C /tmp/k8s-src/apiextensions-apiserver
 * git -C <k8s.io/kube-aggregator clone> archive v0.35.6 | tar -x -C /tmp/k8s-src/kube-aggregator
 * deno run --allow-read --allow-write --allow-run scripts/gen_protobuf.ts /tmp/k8s-src v0.35.6
 * ```
 *
 * The folder is searched for `generated.proto` files; only the packages in {@link PACKAGES} are
 * used. Field numbers and proto types come from the `.proto` files. The JSON side comes from the
 * Go types next to each `.proto` (`*.go` in the same folder): a field's `json:"..."` tag gives its
 * JSON name, `omitempty`, and `,inline`; a pointer, slice, map or `[]byte` Go type marks a field
 * that Go writes only when set; every other field Go always writes (empty strings, zeros, empty
 * messages). `type X []T` declarations mark wrapper messages that are plain arrays in JSON
 * (`ExtraValue`, `Verbs`). `register.go` gives the kinds each group version registers. Output
 * format: see `kube/protobuf/schema.ts`.
 *
 * @module
 */

/** Proto package → short alias used in the table. Only these packages are emitted. */
const PACKAGES: Record<string, string> = {
  "k8s.io.apimachinery.pkg.apis.meta.v1": "meta.v1",
  "k8s.io.apimachinery.pkg.runtime": "runtime",
  "k8s.io.apimachinery.pkg.runtime.schema": "schema",
  "k8s.io.apimachinery.pkg.util.intstr": "intstr",
  "k8s.io.apimachinery.pkg.api.resource": "resource",
  "k8s.io.api.core.v1": "core.v1",
  "k8s.io.api.apps.v1": "apps.v1",
  "k8s.io.api.batch.v1": "batch.v1",
  "k8s.io.api.autoscaling.v1": "autoscaling.v1",
  "k8s.io.api.autoscaling.v2": "autoscaling.v2",
  "k8s.io.api.coordination.v1": "coordination.v1",
  "k8s.io.api.discovery.v1": "discovery.v1",
  "k8s.io.api.events.v1": "events.v1",
  "k8s.io.api.networking.v1": "networking.v1",
  "k8s.io.api.policy.v1": "policy.v1",
  "k8s.io.api.rbac.v1": "rbac.v1",
  "k8s.io.api.storage.v1": "storage.v1",
  "k8s.io.api.scheduling.v1": "scheduling.v1",
  "k8s.io.api.node.v1": "node.v1",
  "k8s.io.api.certificates.v1": "certificates.v1",
  "k8s.io.api.admissionregistration.v1": "admissionregistration.v1",
  "k8s.io.api.authentication.v1": "authentication.v1",
  "k8s.io.api.authorization.v1": "authorization.v1",
  "k8s.io.api.flowcontrol.v1": "flowcontrol.v1",
  "k8s.io.api.resource.v1": "resource.v1",
  "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1": "apiextensions.v1",
  "k8s.io.kube_aggregator.pkg.apis.apiregistration.v1": "apiregistration.v1",
};

/** Proto scalar type → one-letter code in the table. */
const SCALARS: Record<string, string> = {
  string: "s",
  bool: "b",
  int32: "i",
  int64: "l",
  uint32: "u",
  uint64: "w",
  double: "d",
  float: "f",
  bytes: "y",
};

interface ProtoField {
  label: "optional" | "repeated" | "required" | "map";
  type: string;
  keyType?: string;
  name: string;
  no: number;
}

interface ProtoFile {
  pkg: string;
  dir: string;
  messages: Map<string, ProtoField[]>;
}

interface GoField {
  goName: string;
  goType: string;
  json: string;
  omitempty: boolean;
  inline: boolean;
  protoName?: string;
}

interface GoPackage {
  structs: Map<string, Map<number, GoField>>;
  sliceTypes: Set<string>;
  groupName?: string;
  version?: string;
  /** Kinds from register.go: local message name, or `meta.v1.Name`. */
  kinds: string[];
  addsMeta: boolean;
  unversioned: string[];
  options: string[];
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile && e.name === "generated.proto") yield p;
  }
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

function parseProto(path: string, text: string): ProtoFile {
  const src = stripComments(text);
  const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(src)?.[1];
  if (!pkg) throw new Error(`${path}: no package`);
  const messages = new Map<string, ProtoField[]>();
  for (const m of src.matchAll(/message\s+(\w+)\s*\{([^{}]*)\}/g)) {
    const fields: ProtoField[] = [];
    for (const raw of m[2].split(";")) {
      const line = raw.trim();
      if (!line) continue;
      let f = /^(optional|repeated|required)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)$/.exec(line);
      if (f) {
        fields.push({
          label: f[1] as ProtoField["label"],
          type: f[2],
          name: f[3],
          no: Number(f[4]),
        });
        continue;
      }
      f = /^map\s*<\s*(\w+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)$/.exec(line);
      if (f) {
        fields.push({ label: "map", keyType: f[1], type: f[2], name: f[3], no: Number(f[4]) });
        continue;
      }
      throw new Error(`${path}: message ${m[1]}: cannot parse "${line}"`);
    }
    messages.set(m[1], fields);
  }
  return { pkg, dir: path.slice(0, path.lastIndexOf("/")), messages };
}

function parseTag(tag: string, key: string): string | undefined {
  return new RegExp(`(?:^|\\s)${key}:"([^"]*)"`).exec(tag)?.[1];
}

async function parseGo(dir: string): Promise<GoPackage> {
  const pkg: GoPackage = {
    structs: new Map(),
    sliceTypes: new Set(),
    kinds: [],
    addsMeta: false,
    unversioned: [],
    options: [],
  };
  for await (const e of Deno.readDir(dir)) {
    const n = e.name;
    if (!e.isFile || !n.endsWith(".go") || n.endsWith("_test.go")) continue;
    if (n.startsWith("zz_generated") || n.endsWith(".pb.go")) continue;
    const src = await Deno.readTextFile(`${dir}/${n}`);
    pkg.groupName ??= /^const GroupName = "([^"]*)"/m.exec(src)?.[1] ??
      /^\/\/ \+groupName=(\S*)$/m.exec(src)?.[1];
    pkg.version ??= /SchemeGroupVersion = schema\.GroupVersion\{.*Version: "(\w+)"/.exec(src)?.[1];
    for (const m of src.matchAll(/^type (\w+) \[\]/gm)) pkg.sliceTypes.add(m[1]);
    for (const m of src.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
      const fields = new Map<number, GoField>();
      for (const line of m[2].split("\n")) {
        const t = /^\s*([^`]*?)\s*`([^`]*)`\s*$/.exec(line);
        if (!t) continue;
        const pb = parseTag(t[2], "protobuf");
        if (!pb || pb === "-") continue;
        const parts = pb.split(",");
        const no = Number(parts[1]);
        const decl = t[1].split(/\s+/);
        const goType = decl.length === 1 ? decl[0] : decl.slice(1).join(" ");
        const goName = decl[0].replace(/^\*/, "").replace(/^.*\./, "");
        const json = parseTag(t[2], "json") ?? "";
        const [jsonName, ...opts] = json.split(",");
        fields.set(no, {
          goName,
          goType,
          json: jsonName || goName,
          omitempty: opts.includes("omitempty") || opts.includes("omitzero"),
          inline: opts.includes("inline"),
          protoName: parts.find((p) => p.startsWith("name="))?.slice(5),
        });
      }
      pkg.structs.set(m[1], fields);
    }
    if (n === "register.go") {
      const add = /func addKnownTypes[\s\S]*?^\}/m.exec(src)?.[0] ?? "";
      for (const m of add.matchAll(/&(?:(metav1)\.)?(\w+)\{\}/g)) {
        pkg.kinds.push(m[1] ? `meta.v1.${m[2]}` : m[2]);
      }
      pkg.addsMeta = /metav1\.AddToGroupVersion\(/.test(add);
      const opts = /optionsTypes = \[\]runtime\.Object\{([\s\S]*?)\}\n/.exec(src)?.[1];
      if (opts) pkg.options = [...opts.matchAll(/&(\w+)\{\}/g)].map((m) => m[1]);
      const unv = /AddUnversionedTypes\(Unversioned,([\s\S]*?)\)\n/.exec(src)?.[1];
      if (unv) pkg.unversioned = [...unv.matchAll(/&(\w+)\{\}/g)].map((m) => m[1]);
      const metaAdd = /func AddMetaToScheme[\s\S]*?^\}/m.exec(src)?.[0];
      if (metaAdd) pkg.kinds.push(...[...metaAdd.matchAll(/&(\w+)\{\}/g)].map((m) => m[1]));
    }
  }
  return pkg;
}

function typeCode(type: string, files: Map<string, ProtoFile>, self: ProtoFile): string {
  if (SCALARS[type]) return SCALARS[type];
  if (!type.startsWith(".")) {
    if (!self.messages.has(type)) throw new Error(`${self.pkg}: unknown type ${type}`);
    return type;
  }
  const full = type.slice(1);
  const dot = full.lastIndexOf(".");
  const pkg = full.slice(0, dot);
  const alias = PACKAGES[pkg];
  if (!alias || !files.get(pkg)?.messages.has(full.slice(dot + 1))) {
    throw new Error(`${self.pkg}: reference to ${type} outside the emitted packages`);
  }
  return `${alias}.${full.slice(dot + 1)}`;
}

async function main(root: string, version: string): Promise<void> {
  const files = new Map<string, ProtoFile>();
  for await (const path of walk(root)) {
    const f = parseProto(path, await Deno.readTextFile(path));
    if (PACKAGES[f.pkg]) files.set(f.pkg, f);
  }
  for (const pkg of Object.keys(PACKAGES)) {
    if (!files.has(pkg)) throw new Error(`no generated.proto for package ${pkg} under ${root}`);
  }
  const goPkgs = new Map<string, GoPackage>();
  for (const [pkg, f] of files) goPkgs.set(pkg, await parseGo(f.dir));
  const wrappers: string[] = [];
  for (const [pkg, go] of goPkgs) {
    for (const name of go.sliceTypes) {
      const fields = files.get(pkg)!.messages.get(name);
      if (fields?.length === 1 && fields[0].name === "items" && fields[0].no === 1) {
        wrappers.push(`${PACKAGES[pkg]}.${name}`);
      }
    }
  }
  const meta = goPkgs.get("k8s.io.apimachinery.pkg.apis.meta.v1")!;
  const renamed: string[][] = [];
  const warnings: string[] = [];
  let fieldCount = 0;
  const out: string[] = [];
  for (const [pkg, f] of [...files].sort((a, b) => a[1].pkg.localeCompare(b[1].pkg))) {
    const alias = PACKAGES[pkg];
    const go = goPkgs.get(pkg)!;
    const group = go.groupName;
    const version = go.version ?? "";
    const apiVersion = group === undefined || !version
      ? ""
      : group === ""
      ? version
      : `${group}/${version}`;
    const kinds = go.kinds.filter((k) => k.includes(".") || f.messages.has(k));
    if (go === meta) kinds.push(...meta.options);
    if (go.addsMeta) kinds.push("+meta");
    const msgs: string[] = [];
    for (const [name, fields] of [...f.messages].sort((a, b) => a[0].localeCompare(b[0]))) {
      // Time, MicroTime, Quantity: Go structs without protobuf tags; the codec knows them.
      const tagged = go.structs.get(name);
      const goFields = tagged?.size ? tagged : undefined;
      const toks: string[] = [];
      for (const pf of [...fields].sort((a, b) => a.no - b.no)) {
        fieldCount++;
        const g = goFields?.get(pf.no);
        if (goFields && !g) warnings.push(`${alias}.${name}.${pf.name}: no Go field`);
        if (g?.protoName && g.protoName !== pf.name) {
          warnings.push(`${alias}.${name}.${pf.name}: Go tag says name=${g.protoName}`);
        }
        const json = g ? (g.inline ? "" : g.json) : pf.name;
        if (g && json !== pf.name) renamed.push([`${alias}.${name}`, pf.name, json || ",inline"]);
        let type = typeCode(pf.type, files, f);
        if (pf.label === "map") type = `${SCALARS[pf.keyType!]}>${type}`;
        else if (pf.label === "repeated") type = `*${type}`;
        const fullType = type.includes(".") ? type : `${alias}.${type}`;
        const always = g !== undefined && pf.label !== "map" && pf.label !== "repeated" &&
          pf.type !== "bytes" && !g.goType.startsWith("*") && !wrappers.includes(fullType);
        let flags = "";
        if (always) flags += "a";
        if (g?.omitempty) flags += "o";
        if (g?.inline) flags += "i";
        const tok = `${pf.no}:${json}:${type}`;
        toks.push(flags ? `${tok}:${flags}` : tok);
      }
      msgs.push(`    ${JSON.stringify(name)}: ${JSON.stringify(toks.join(" "))},`);
    }
    out.push(
      `  [${JSON.stringify(alias)}, ${JSON.stringify(apiVersion)}, ${
        JSON.stringify(kinds.join(" "))
      }, {\n${msgs.join("\n")}\n  }],`,
    );
  }
  for (const w of warnings) console.error(`warning: ${w}`);
  const text =
    `// Generated by scripts/gen_protobuf.ts from the generated.proto files and Go types of
// k8s.io/api, k8s.io/apimachinery, k8s.io/apiextensions-apiserver and k8s.io/kube-aggregator
// ${version}. Do not edit; see kube/protobuf/schema.ts for the format.

/** The upstream release the table was generated from. */
export const SOURCE_VERSION = ${JSON.stringify(version)};

/** [alias, apiVersion ("" if not a group version), registered kinds, messages]. */
export type PackageData = readonly [string, string, string, Readonly<Record<string, string>>];

/** Every message of the emitted packages, field by field. */
export const PACKAGES: readonly PackageData[] = [
${out.join("\n")}
];

/** Kinds \`metav1.AddToGroupVersion\` adds to a group version (\`+meta\` in its kinds). */
export const META_KINDS: readonly string[] = ${JSON.stringify(["WatchEvent", ...meta.options])};

/** Kinds any apiVersion may carry (\`AddUnversionedTypes\` in meta/v1). */
export const UNVERSIONED_KINDS: readonly string[] = ${JSON.stringify(meta.unversioned)};

/** Messages that wrap a Go \`[]T\` (\`repeated T items = 1\`); JSON is a plain array. */
export const ARRAY_WRAPPERS: readonly string[] = ${JSON.stringify(wrappers.sort())};

/** Fields whose JSON name (Go \`json:\` tag) differs from the proto field name: [message, proto, json]. */
export const JSON_NAME_EXCEPTIONS: readonly (readonly [string, string, string])[] = ${
      JSON.stringify(renamed)
    };
`;
  const dest = new URL("../kube/protobuf/schema_data.ts", import.meta.url);
  await Deno.writeTextFile(dest, text);
  const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", dest.pathname] })
    .output();
  if (!fmt.success) throw new Error(`deno fmt ${dest.pathname} failed`);
  console.error(
    `wrote ${dest.pathname}: ${files.size} packages, ${
      [...files.values()].reduce((n, f) => n + f.messages.size, 0)
    } messages, ${fieldCount} fields, ${renamed.length} renamed, ${text.length} bytes`,
  );
}

if (import.meta.main) {
  const [root, version = "unknown"] = Deno.args;
  if (!root) {
    console.error(
      "Usage: deno run --allow-read --allow-write --allow-run scripts/gen_protobuf.ts SRC_DIR [VERSION]",
    );
    Deno.exit(2);
  }
  await main(root, version);
}
