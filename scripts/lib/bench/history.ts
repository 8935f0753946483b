// History for `npm run bench`: N orders' worth of rows, seeded with SQL straight into each
// PostgreSQL context's database (not through the API, which would take hours), so that
// placeOrder can be measured on a system with history against the same system empty.
// Each row is a copy of a real row the run's own orders produced (a template), with new
// ids — so columns a context adds later are filled like the real ones. History customers
// (hist-c<k>) are not the benchmark's, as in a real system where most orders are others'.
import pg from 'pg';

/** What is copied, per context: table → the columns given new values (SQL over g = 1..N). */
const PLAN: Record<string, Record<string, Record<string, string>>> = {
  ordering: {
    Order: { id: `'hist-o' || g`, customerId: `'hist-c' || (g % 5000)` },
    IdempotencyKey: { scope: `'customer:hist-c' || (g % 5000)`, key: `'hist-k' || g`, resultId: `'hist-o' || g` },
  },
  payment: { Payment: { id: `'hist-p' || g`, orderId: `'hist-o' || g`, customerId: `'hist-c' || (g % 5000)` } },
  delivery: { Delivery: { id: `'hist-d' || g`, orderId: `'hist-o' || g`, customerId: `'hist-c' || (g % 5000)` } },
  mypage: { OrderView: { orderId: `'hist-o' || g`, customerId: `'hist-c' || (g % 5000)`, paymentId: `'hist-p' || g` } },
};

async function columnsOf(db: pg.Client, table: string): Promise<{ name: string; serial: boolean }[]> {
  const r = await db.query<{ column_name: string; column_default: string | null }>(
    `SELECT column_name, column_default FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return r.rows.map((c) => ({ name: c.column_name, serial: (c.column_default ?? '').startsWith('nextval(') }));
}

/** Copies the template row (`where`) N times with `overrides`; returns rows inserted (0 without a template). */
async function copyTemplate(db: pg.Client, table: string, overrides: Record<string, string>, where: string, n: number, params: unknown[] = []): Promise<number> {
  const cols = (await columnsOf(db, table)).filter((c) => !c.serial);
  if (cols.length === 0) return 0;
  const names = cols.map((c) => `"${c.name}"`).join(', ');
  const exprs = cols.map((c) => (overrides[c.name] ? `${overrides[c.name]}` : `t."${c.name}"`)).join(', ');
  const r = await db.query(
    `INSERT INTO "${table}" (${names}) SELECT ${exprs} FROM (SELECT * FROM "${table}" WHERE ${where} LIMIT 1) t, generate_series(1, ${n}) g ON CONFLICT DO NOTHING`,
    params,
  );
  return r.rowCount ?? 0;
}

export interface SeedResult {
  /** Rows inserted, by "context.table". */
  rows: Record<string, number>;
  ms: number;
}

/**
 * Seeds `orders` orders of history into every context database in `urls` (PostgreSQL only):
 * the context's own order rows (PLAN), one sent outbox row per order where the context's
 * outbox has a sent row to copy, and one processed-event marker per order for every durable
 * consumer found in the context's ProcessedEvent table. ANALYZE afterwards, as autovacuum would.
 */
export async function seedHistory(urls: Record<string, string>, orders: number): Promise<SeedResult> {
  const t = Date.now();
  const rows: Record<string, number> = {};
  await Promise.all(
    Object.entries(urls).map(async ([context, url]) => {
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        const tables = new Set((await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)).rows.map((r) => r.table_name));
        for (const [table, overrides] of Object.entries(PLAN[context] ?? {})) {
          if (tables.has(table)) rows[`${context}.${table}`] = await copyTemplate(db, table, overrides, 'true', orders);
        }
        if (tables.has('OutboxEvent')) {
          rows[`${context}.OutboxEvent`] = await copyTemplate(
            db,
            'OutboxEvent',
            { id: `'hist-e-${context}-' || g`, correlationId: `'hist-o' || g`, streamSeq: 'NULL' },
            `"sentAt" IS NOT NULL AND "subject" <> 'ordering.bench-probe.v1'`,
            orders,
          );
        }
        if (tables.has('ProcessedEvent')) {
          const consumers = (await db.query<{ consumer: string }>(`SELECT DISTINCT "consumer" FROM "ProcessedEvent"`)).rows.map((r) => r.consumer);
          let n = 0;
          for (const consumer of consumers) n += await copyTemplate(db, 'ProcessedEvent', { eventId: `'hist-e-' || g` }, `"consumer" = $1`, orders, [consumer]);
          rows[`${context}.ProcessedEvent`] = n;
        }
        await db.query('ANALYZE');
      } finally {
        await db.end().catch(() => undefined);
      }
    }),
  );
  return { rows, ms: Date.now() - t };
}
