import { policy, type Policy, type StreamPosition } from '../../platform/consumer';
import { streamName, type Envelope } from '../../platform/events';
import type { TimelineTx } from './db';
import { caseOf, describeEvent } from './entries';
import { discoverSources, parseFrom, wholeStream, type Source } from './sources';

/**
 * Records one event as a timeline entry (and, when its data names its case and customer, who
 * the case belongs to). Idempotent twice over: the platform marks the event processed in this
 * transaction, and the event id is the entry's key (a replay into a new database, or the same
 * event through another path, adds nothing: ON CONFLICT DO NOTHING).
 *
 * One statement per event (a CTE: the entry's INSERT, then the case's INSERT ... ON CONFLICT),
 * not two Prisma upserts: each round trip through the client cost more than PostgreSQL's work.
 * The case row keeps its customer; its store is set by the first event that carries one and
 * rewritten only when an event names another one (no dead tuple for a repeat).
 * @returns 'skipped' when the event is no fact about a case (entries.ts describeEvent), else 'recorded'.
 */
export async function recordEvent(tx: TimelineTx, context: string, env: Envelope, position?: StreamPosition): Promise<'recorded' | 'skipped'> {
  const facts = describeEvent(context, env.type, env.data);
  if (!facts) return 'skipped';
  const stream = position?.stream ?? streamName(context);
  const streamSequence = position ? BigInt(position.streamSequence) : null;
  const occurredAt = new Date(env.occurredAt);
  const owner = caseOf(env.correlationId, env.data);
  if (!owner?.customerId) {
    await tx.$executeRaw`
      INSERT INTO "TimelineEntry" ("eventId", "caseId", "causationId", "context", "stream", "streamSequence", "eventType", "eventVersion",
        "kind", "summary", "status", "channel", "amount", "points", "reason", "occurredAt")
      VALUES (${env.id}, ${env.correlationId}, ${env.causationId}, ${context}, ${stream}, ${streamSequence}, ${env.type}, ${env.version},
        ${facts.kind}, ${facts.summary}, ${facts.status ?? null}, ${facts.channel ?? null}, ${facts.amount ?? null}, ${facts.points ?? null}, ${facts.reason ?? null}, ${occurredAt})
      ON CONFLICT ("eventId") DO NOTHING`;
    return 'recorded';
  }
  await tx.$executeRaw`
    WITH "entry" AS (
      INSERT INTO "TimelineEntry" ("eventId", "caseId", "causationId", "context", "stream", "streamSequence", "eventType", "eventVersion",
        "kind", "summary", "status", "channel", "amount", "points", "reason", "occurredAt")
      VALUES (${env.id}, ${env.correlationId}, ${env.causationId}, ${context}, ${stream}, ${streamSequence}, ${env.type}, ${env.version},
        ${facts.kind}, ${facts.summary}, ${facts.status ?? null}, ${facts.channel ?? null}, ${facts.amount ?? null}, ${facts.points ?? null}, ${facts.reason ?? null}, ${occurredAt})
      ON CONFLICT ("eventId") DO NOTHING
    )
    INSERT INTO "TimelineCase" ("caseId", "kind", "customerId", "storeId", "updatedAt")
    VALUES (${env.correlationId}, ${owner.kind}, ${owner.customerId}, ${owner.storeId}, now())
    ON CONFLICT ("caseId") DO UPDATE SET "storeId" = EXCLUDED."storeId", "updatedAt" = now()
    WHERE EXCLUDED."storeId" IS NOT NULL AND "TimelineCase"."storeId" IS DISTINCT FROM EXCLUDED."storeId"`;
  return 'recorded';
}

/**
 * One policy per producing context: a durable consumer `timeline--<context>` over the whole
 * stream (`<context>.>`), so every event of every context, known or added later, reaches the
 * timeline, in stream order per context. Copies of facts only (no side effects): a new database
 * behind existing consumers replays the streams' history.
 */
export function streamPolicy(source: Source): Policy<TimelineTx> {
  return policy<TimelineTx, ReturnType<typeof wholeStream>>({
    name: source.context,
    event: wholeStream(source),
    parse: (raw) => parseFrom(source, raw),
    replayIntoNewDatabase: true,
    // An event that is no fact about a case (a product, stock arriving, a mission's bookkeeping)
    // records nothing: it is acknowledged without a transaction.
    accepts: (_data, env) => describeEvent(source.context, env.type, env.data) !== null,
    async handle(tx, _data, env, position) {
      await recordEvent(tx, source.context, env, position);
    },
  });
}

/** The policies of every producing context found in the registry (sources.ts). */
export const timelinePolicies = (sources: Source[] = discoverSources()) => sources.map(streamPolicy);
