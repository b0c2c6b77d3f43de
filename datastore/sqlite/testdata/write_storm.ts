/**
 * A child process for the crash test: writes to the sqlite datastore at `Deno.args[0]` as fast as
 * it can from 16 concurrent writers and prints one line per acknowledged write, until killed.
 *
 * `C <revision> <key> <value>` for a create of a new key, `U <revision> <key> <value>` for a
 * write to a key that later lines overwrite.
 *
 * @module
 */
import { SqliteBackend } from "../mod.ts";

const backend = new SqliteBackend({ path: Deno.args[0] });
await backend.start();
const encoder = new TextEncoder();

function print(line: string): void {
  const data = encoder.encode(line + "\n");
  let written = 0;
  while (written < data.length) written += Deno.stdout.writeSync(data.subarray(written));
}

async function writer(id: number): Promise<void> {
  const hot = `/storm/hot/${id}`;
  let revision = await backend.create(hot, encoder.encode("0"));
  print(`U ${revision} ${hot} 0`);
  for (let i = 1;; i++) {
    const key = `/storm/${id}/${i}`;
    const value = `${id}-${i}-${crypto.randomUUID()}`;
    print(`C ${await backend.create(key, encoder.encode(value))} ${key} ${value}`);
    const result = await backend.update(hot, encoder.encode(`${i}`), revision);
    if (!result.ok) throw new Error(`update of ${hot} lost unexpectedly`);
    revision = result.revision;
    print(`U ${revision} ${hot} ${i}`);
  }
}

await Promise.all(Array.from({ length: 16 }, (_, id) => writer(id)));
