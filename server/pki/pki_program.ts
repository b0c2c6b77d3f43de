/**
 * The program `loadOrCreatePkiIsolated` (`isolated.ts`) runs on a first start: reads the
 * {@linkcode PkiOptions} as JSON on stdin, makes the PKI, and writes a {@linkcode PkiProgramReply}
 * as JSON on stdout. The build bundles it as an entry of its own (scripts/build.ts).
 *
 * @module
 */
import { loadOrCreatePki, type PkiOptions } from "./pki.ts";

/** What the program answers: the files it wrote, or the error's message. */
export type PkiProgramReply = { ok: true; written: string[] } | { ok: false; message: string };

/** Options as JSON carries them (`now` as an ISO time). */
export type PkiOptionsJson = Omit<PkiOptions, "now"> & { now?: string };

if (import.meta.main) {
  let reply: PkiProgramReply;
  try {
    const json = JSON.parse(await new Response(Deno.stdin.readable).text()) as PkiOptionsJson;
    const options: PkiOptions = { ...json, now: json.now ? new Date(json.now) : undefined };
    reply = { ok: true, written: (await loadOrCreatePki(options)).written };
  } catch (error) {
    reply = { ok: false, message: (error as Error).message };
  }
  console.log(JSON.stringify(reply));
}
