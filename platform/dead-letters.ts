import type { PlatformDb } from './database';
import type { PolicyConsumer } from './consumer';
import { platformSqlFor } from './sql-dialect';

export interface DeadLetterRow {
  id: string;
  consumer: string;
  subject: string;
  eventId: string | null;
  payload: string;
  error: string;
  deliveries: number;
  createdAt: Date;
  replayedAt: Date | null;
}

/** Dead letters of this context, newest first. */
export async function listDeadLetters(db: PlatformDb): Promise<DeadLetterRow[]> {
  return db.$queryRaw<DeadLetterRow[]>`SELECT "id", "consumer", "subject", "eventId", "payload", "error", "deliveries", "createdAt", "replayedAt"
    FROM "DeadLetter" ORDER BY "createdAt" DESC LIMIT 500`;
}

/**
 * Runs a dead-lettered event through its policy again (after the cause was fixed).
 * Idempotent: the policy's "processed" record makes a second replay a no-op.
 */
export async function replayDeadLetter(
  db: PlatformDb,
  consumers: PolicyConsumer<any>[],
  id: string,
): Promise<{ status: number; body: unknown }> {
  const [row] = await db.$queryRaw<DeadLetterRow[]>`SELECT * FROM "DeadLetter" WHERE "id" = ${id}`;
  if (!row) return { status: 404, body: { error: `No dead letter ${id}` } };
  const consumer = consumers.find((c) => c.durable === row.consumer);
  if (!consumer) return { status: 409, body: { error: `No consumer ${row.consumer} in this process` } };
  try {
    const outcome = await consumer.replay(row.payload);
    await platformSqlFor(db).markReplayed(db, id);
    return { status: 200, body: { id, outcome } };
  } catch (e) {
    return { status: 422, body: { id, error: (e as Error).message } };
  }
}
