import type { RawSql } from './database';
import type { Logger } from './logger';
import { platformSqlFor } from './sql-dialect';

/** What a context keeps of its event bookkeeping (platform/config.ts: OUTBOX_RETENTION_HOURS, PROCESSED_EVENT_RETENTION_HOURS, PRUNE_INTERVAL_MS). */
export interface RetentionSettings {
  outboxRetentionMs: number;
  processedRetentionMs: number;
  intervalMs: number;
  /** Rows deleted per statement, so a first prune of a long history never holds long locks (default 5 000). */
  chunk?: number;
}

/**
 * Deletes outbox rows sent longer ago than `outboxRetentionMs` (an unsent row is never
 * deleted, whatever its age) and "event processed" markers older than `processedRetentionMs`,
 * `chunk` rows per statement until none is left. Safe on every replica at once and at any
 * moment: a row is either deleted or not, and the retention rules of platform/config.ts
 * (eventSettingsProblems) make sure no deleted row can still be needed: JetStream no longer
 * de-duplicates its message, and its event can no longer be delivered again.
 * @returns how many rows of each kind were deleted.
 */
export async function pruneEventRecords(db: RawSql, s: Omit<RetentionSettings, 'intervalMs'>): Promise<{ outbox: number; processed: number }> {
  const sql = platformSqlFor(db);
  const chunk = s.chunk ?? 5000;
  let outbox = 0;
  let processed = 0;
  for (let n = chunk; n === chunk; outbox += n) n = await sql.pruneSentOutbox(db, s.outboxRetentionMs, chunk);
  for (let n = chunk; n === chunk; processed += n) n = await sql.pruneProcessed(db, s.processedRetentionMs, chunk);
  return { outbox, processed };
}

/** Prunes every `intervalMs` (first after one interval); returns the stop function, which awaits a prune in progress. */
export function startEventPruner(db: RawSql, s: RetentionSettings, log: Logger): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= pruneEventRecords(db, s)
      .then((n) => (n.outbox > 0 || n.processed > 0) && log.info({ outboxRows: n.outbox, processedMarkers: n.processed }, 'old event records pruned'))
      .catch((e) => log.warn({ err: e }, 'pruning event records failed; next round'))
      .finally(() => (running = undefined));
  }, s.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
