/**
 * The `k3s` executable: `k3s server`, `k3s agent`, `k3s kubectl …`, `k3s --version`, help, and
 * the K3s maintenance commands. This file only binds the pure parser in `cli/` to the real
 * process: arguments, environment, files, stdout/stderr and the exit code.
 *
 * ```sh
 * deno run -A main.ts server --data-dir /tmp/k3s --https-listen-port 7443
 * ```
 *
 * @module
 */
import type { FileReader } from "./cli/config_file.ts";
import {
  dispatchAgent,
  dispatchCertificate,
  dispatchSecretsEncrypt,
  dispatchServer,
  dispatchToken,
} from "./cli/dispatch.ts";
import { CliError } from "./cli/errors.ts";
import { parseInvocation } from "./cli/invocation.ts";
import { runKubectl } from "./cli/kubectl.ts";
import { gitBuildId, versionText } from "./cli/version.ts";

/** Files as the parser reads them: missing is `undefined`, any other failure is a `CliError`. */
const files: FileReader = {
  readTextFile(path) {
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw new CliError("config-file", `cannot read ${path}: ${messageOf(error)}`);
    }
  },
  readDir(path) {
    try {
      return [...Deno.readDirSync(path)].filter((entry) => entry.isFile).map((entry) => entry.name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
        return undefined;
      }
      throw new CliError("config-file", `cannot read ${path}: ${messageOf(error)}`);
    }
  },
};

/** The same files, where any failure reads as absence (for best-effort lookups). */
const lenientFiles: FileReader = {
  readTextFile(path) {
    try {
      return files.readTextFile(path);
    } catch {
      return undefined;
    }
  },
  readDir(path) {
    try {
      return files.readDir(path);
    } catch {
      return undefined;
    }
  },
};

async function main(args: readonly string[]): Promise<number> {
  const env = Deno.env.toObject();
  const warn = (message: string) => console.error(`Warning: ${message}`);
  const invocation = parseInvocation(args, env, files, warn);
  switch (invocation.kind) {
    case "version": {
      const here = new URL(".", import.meta.url);
      // The checkout's commit, also for its build (`deno task build` writes dist/k3s/).
      const root = here.protocol === "file:"
        ? decodeURIComponent(here.pathname).replace(/\/$/, "").replace(/\/dist\/k3s$/, "")
        : "";
      const buildId = root ? gitBuildId(root, lenientFiles) : "dev";
      await Deno.stdout.write(new TextEncoder().encode(versionText(buildId, Deno.version.deno)));
      return 0;
    }
    case "help":
      await Deno.stdout.write(new TextEncoder().encode(invocation.text));
      return 0;
    case "kubectl":
      return await runKubectl(invocation.args, env);
    case "token":
      return await dispatchToken(invocation.args, env);
    case "secrets-encrypt":
      return await dispatchSecretsEncrypt(invocation.args, env);
    case "certificate":
      return await dispatchCertificate(invocation.args, env);
    case "server":
      return await dispatchServer(invocation.config);
    case "agent":
      return await dispatchAgent(invocation.config);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    // One line, never a stack trace, unless debugging was asked for through the environment.
    console.error(`Error: ${messageOf(error).split("\n")[0]}`);
    if (!(error instanceof CliError) && Deno.env.get("K3S_DEBUG") === "true") console.error(error);
    code = 1;
  }
  Deno.exit(code);
}
