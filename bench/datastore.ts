/**
 * Datastore benchmark: the sqlite and etcd backends against raw `node:sqlite` single-row
 * transactions and raw etcd through `etcd3`, printed as one markdown table of operations per
 * second (for the fan-out: events delivered per second across all watchers).
 *
 * Runs a real etcd (`/usr/bin/etcd`) on a loopback port with a temporary data dir.
 *
 * @module
 */
import { EtcdBackend, SqliteBackend } from "../datastore/mod.ts";
import { startEtcd } from "../datastore/etcd/etcd_server.ts";
import {
  backendSubject,
  rawEtcdSubject,
  rawSqliteSubject,
  type Subject,
} from "./datastore_subjects.ts";

const COLUMNS = ["sqlite backend", "raw node:sqlite", "etcd backend", "raw etcd3"] as const;
type Column = typeof COLUMNS[number];
type Results = Map<string, Partial<Record<Column, number>>>;

const CONCURRENCY = 32;
const WATCHERS = 100;
const LIST_KEYS = 1000;

/** Operations per measured row: enough for a stable rate without taking minutes on etcd. */
const SIZES: Record<Column, { ops: number; lists: number; events: number }> = {
  "sqlite backend": { ops: 5000, lists: 200, events: 500 },
  "raw node:sqlite": { ops: 5000, lists: 200, events: 0 },
  "etcd backend": { ops: 500, lists: 50, events: 200 },
  "raw etcd3": { ops: 500, lists: 50, events: 200 },
};

/**
 * Rounds of the whole set; each cell keeps its best round. The columns take turns within a
 * round, so a burst of load from elsewhere on the machine does not land on one column only.
 */
const ROUNDS = 3;

export async function run(_args: string[]): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "bench-datastore-" });
  const results: Results = new Map();
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const column of COLUMNS) {
        // Every run gets a fresh store (and etcd), so none pays for another's history.
        const etcd = column.includes("etcd") ? await startEtcd() : null;
        try {
          const subject = await open(column, `${dir}/${round}`, etcd?.endpoint ?? "");
          try {
            await measure(subject, column, results);
          } finally {
            await subject.close();
          }
        } finally {
          await etcd?.stop();
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  console.log(table(results));
}

async function open(column: Column, dir: string, endpoint: string): Promise<Subject> {
  switch (column) {
    case "sqlite backend": {
      const backend = new SqliteBackend({ path: `${dir}/backend/state.db` });
      await backend.start();
      return backendSubject(backend);
    }
    case "raw node:sqlite":
      await Deno.mkdir(dir, { recursive: true });
      return rawSqliteSubject(`${dir}/raw.db`);
    case "etcd backend": {
      const backend = new EtcdBackend({ endpoint, compactIntervalMs: 0 });
      await backend.start();
      return backendSubject(backend);
    }
    case "raw etcd3":
      return rawEtcdSubject(endpoint);
  }
}

async function measure(subject: Subject, column: Column, results: Results): Promise<void> {
  const { ops, lists, events } = SIZES[column];
  const value = new TextEncoder().encode("x".repeat(256));
  const tag = column.replaceAll(/\W+/g, "-");
  const keys = (set: string) => Array.from({ length: ops }, (_, i) => `/bench/${tag}/${set}/${i}`);
  const sequential = keys("s");
  const concurrent = keys("c");
  const record = (row: string, rate: number) => {
    const cells = results.get(row) ?? {};
    results.set(row, { ...cells, [column]: Math.max(cells[column] ?? 0, rate) });
  };

  await rate(keys("warm-up").slice(0, 200), 1, (key) => subject.create(key, value));
  record("create, sequential", await rate(sequential, 1, (key) => subject.create(key, value)));
  record(
    `create, ${CONCURRENCY} concurrent`,
    await rate(concurrent, CONCURRENCY, (key) => subject.create(key, value)),
  );
  record("update, sequential", await rate(sequential, 1, (key) => subject.update(key, value)));
  record(
    `update, ${CONCURRENCY} concurrent`,
    await rate(concurrent, CONCURRENCY, (key) => subject.update(key, value)),
  );
  record("get, sequential", await rate(sequential, 1, (key) => subject.get(key)));
  record(`get, ${CONCURRENCY} concurrent`, await rate(concurrent, CONCURRENCY, subject.get));

  const listed = Array.from({ length: LIST_KEYS }, (_, i) => `/bench/${tag}/list/${i}`);
  await rate(listed, CONCURRENCY, (key) => subject.create(key, value));
  const prefix = `/bench/${tag}/list/`;
  for (let i = 0; i < 3; i++) await subject.list(prefix); // warm-up: first lists pay for JIT
  const runs = Array.from({ length: lists }, () => prefix);
  record(
    `list of ${LIST_KEYS.toLocaleString("en")} keys`,
    await rate(runs, 1, async () => {
      const count = await subject.list(prefix);
      if (count !== LIST_KEYS) throw new Error(`${column} listed ${count} keys`);
    }),
  );

  if (subject.fanOut && events > 0) {
    const watched = `/bench/${tag}/watch/`;
    const started = performance.now();
    await subject.fanOut(watched, WATCHERS, events, async () => {
      for (let i = 0; i < events; i++) await subject.create(`${watched}${i}`, value);
    });
    const seconds = (performance.now() - started) / 1000;
    record(`watch fan-out, ${WATCHERS} watchers (events/s)`, (WATCHERS * events) / seconds);
  }
}

/** Runs `op` over `items` with `concurrency` workers; returns operations per second. */
async function rate<T>(
  items: T[],
  concurrency: number,
  op: (item: T) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await op(items[next++]);
  }));
  return items.length / ((performance.now() - started) / 1000);
}

function table(results: Results): string {
  const number = (value?: number) =>
    value === undefined ? "—" : Math.round(value).toLocaleString("en");
  const ratio = (a?: number, b?: number) =>
    a === undefined || b === undefined ? "—" : `${(a / b).toFixed(2)}×`;
  const lines = [
    "| operation (ops/s) | sqlite backend | raw node:sqlite | sqlite backend ÷ raw sqlite | " +
    "etcd backend | raw etcd3 | etcd backend ÷ raw etcd | sqlite backend ÷ raw etcd |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [row, r] of results) {
    const [sqlite, rawSqlite, etcd, rawEtcd] = COLUMNS.map((column) => r[column]);
    lines.push(
      `| ${row} | ${number(sqlite)} | ${number(rawSqlite)} | ${ratio(sqlite, rawSqlite)} | ` +
        `${number(etcd)} | ${number(rawEtcd)} | ${ratio(etcd, rawEtcd)} | ` +
        `${ratio(sqlite, rawEtcd)} |`,
    );
  }
  return lines.join("\n");
}
